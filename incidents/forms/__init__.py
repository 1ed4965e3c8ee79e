"""Forms of the concern report and the DSL's wizard."""
