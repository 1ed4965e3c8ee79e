"""The rules: the initial review's facts in; typology, referral advice and reasons out.

Read this file beside the two policies it encodes: the Wolverhampton Safeguarding Children
Board's "Youth Produced Sexual Imagery (sexting) Policy Guidance" (2016) and the Evergreen
Primary School "Sexting" policy, and, for the ``ukcis-2020`` profile, the UKCIS advice, which the
product holds no text of and so paraphrases; docs/policy.md says how each clause is implemented.
Every rule below cites the clause it rests on, and every result carries its reasons so the DSL,
the headteacher and an inspector can check it.

Pure Python: no Django, no I/O. Nothing here stores or sees imagery; the facts are what the DSL
has been told: the product never holds imagery.

How "not known" is handled
--------------------------
Each fact is YES, NO or UNKNOWN. The result is worked out from what is *established*: an UNKNOWN
fact counts as not shown, so the category, the criteria met and the referral rest on the YES
answers alone. There is one exception, from the Evergreen policy (Step 2): a *possibly* involved
adult (``adult_involved`` UNKNOWN) makes the police referral "required".

Every rule is monotone: answering YES can only add to what holds. So whether an unknown fact
matters is decided exactly, without trying every combination of answers: a fact matters to an
outcome when some way of answering the other unknowns leaves that outcome turning on it. Those
facts are ``Assessment.unknown_facts``; when there are any, ``seek_advice`` is set, one reason
carries the profile's advice clause (Wolverhampton, Initial review meeting: "If we have any
doubts about whether to involve other agencies, ... liaise with the MASH to seek further
advice"), and each such fact has a short reason of its own naming what it could change.

The category and subtype are worked out the same way. When an unknown fact could change either
(``provisional_facts``), the first reason says the category is provisional, names those facts
and what a yes could make it: with every fact unknown, "Experimental — other" is a starting
point, not a finding.

Ages are of the young people involved, at the incident date: each must be 0 to 17 (an 18-year-old
is an adult, answered by ``adult_involved``), otherwise ``Facts`` raises ``ValueError``. An empty
``ages`` means the ages are not known yet: neither "12 or under" nor "13 to 17" is established, and
"ages" is named among the unknown facts when an age could change the outcome.

Each profile speaks its own words
---------------------------------
The agency of the immediate referral, the criteria's labels and clauses, the advice and
children's social care clauses, and which agencies meet the referral are the profile's data
(``Profile``). The product holds no text of the UKCIS advice: its clauses are the product's
paraphrases, marked ``paraphrased`` and never shown in quotation marks (``Clause``).

What the reasons say
--------------------
The reasons keep to the facts: what the record shows beyond them (a platform or an unknown
person involved, the part a young person played) is for ``incidents.requirements``, which may
use the clauses exported here (``CEOP_REPORT``, ``HOSTING_SITE_REPORT``, ``AT_ANY_POINT``,
``AGGRAVATING_FACTORS``, ``POLICE_EXPERIMENTAL``) and the helpers ``at_risk_of_harm`` and
``aggravated_without_criteria``. A quotation appears at most once in one result's reasons.

The two facts added in 2026
---------------------------
The national advice the 2016 policies rest on was updated in March 2024 (UK Council for Internet
Safety, "Sharing nudes and semi-nudes: advice for education settings") to cover financially
motivated sexual extortion and AI-generated imagery; the National Crime Agency's alert to
education settings (April 2024) says what to do about the first. Under every profile:

- ``financial_extortion`` YES is blackmail: the incident is aggravated (youth intent to harm, or
  adult involved once an adult is established), it meets ``coercion_or_capacity``, and the
  police referral is required. With the adult not known, the subtype is provisional and the
  unknown adult is a doubt (``seek_advice``) even when it would change neither referral: it
  could change the subtype and add the ``adult_involved`` criterion (``EXTORTION_ADULT_DOUBT``).
- ``ai_generated`` YES changes no category or criterion: a pseudo-photograph of a child is
  treated as a photograph (Protection of Children Act 1978, s.7). A reason says so.
- Left UNKNOWN (their default), the two facts change nothing: facts given without them get the
  result they had before 2026, with the same doubts. The wizard asks the extortion question at
  the initial review and the requirements module prompts when it is left "not known".

These sources are paraphrased (the product holds no text of them) and named in full, never by
the acronym of the ``ukcis-2020`` profile, since they apply under every profile.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field, fields

__all__ = [
    "AGENCIES",
    "AGENCY_MASH",
    "AGENCY_POLICE",
    "AGENCY_SOCIAL_CARE",
    "AGGRAVATING_FACTORS",
    "AT_ANY_POINT",
    "CATEGORY_LABELS",
    "CEOP_REPORT",
    "CRITERION_LABELS",
    "DEFAULT_POLICY",
    "EXTORTION_SOURCE",
    "FACT_QUESTIONS",
    "HOSTING_SITE_REPORT",
    "NONE_OF_THE_ABOVE",
    "NOT_REFERRED_RECORDED",
    "POLICE_ADULT",
    "POLICE_AGGRAVATED",
    "POLICE_EXPERIMENTAL",
    "POLICE_EXPERIMENTAL_CLAUSE",
    "POLICE_LABELS",
    "POLICE_LEVELS",
    "PSEUDO_PHOTOGRAPH_SOURCE",
    "RISK_QUESTIONS",
    "SUBTYPE_LABELS",
    "Answer",
    "Assessment",
    "Clause",
    "Criterion",
    "Facts",
    "Profile",
    "aggravated_without_criteria",
    "assess",
    "at_risk_of_harm",
    "child_on_child_gap",
    "criterion_label",
    "get_policy",
    "policies",
    "provisional_facts",
]


class Answer(enum.StrEnum):
    """An answer at the initial review meeting. The values are what the database stores."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


# --------------------------------------------------------------------------------------------
# Labels, for forms, the assessment page and the export.
# --------------------------------------------------------------------------------------------

CATEGORY_LABELS = {
    "aggravated": "Aggravated",
    "experimental": "Experimental",
}

# Wolak and Finkelhor, "Sexting: A Typology" (2011), as the Evergreen policy's Appendix 2 gives it.
SUBTYPE_LABELS = {
    "adult_involved": "Adult involved",
    "youth_intent_to_harm": "Youth only: intent to harm",
    "youth_reckless_misuse": "Youth only: reckless misuse",
    "romantic": "Romantic",
    "attention_seeking": "Sexual attention seeking",
    "other": "Other",
}

# Lowest first: a result may be compared by its position here.
POLICE_LEVELS = ("discretionary", "advised", "required")

POLICE_LABELS = {
    "required": "Refer to the police: required",
    "advised": "Refer to the police: almost always proportionate",
    "discretionary": "Police referral at the school's discretion: record the reasons in writing",
}

# ``CRITERION_LABELS`` (the default profile's) and ``criterion_label`` (any profile's) are below
# the profiles, which hold each criterion's label.

# The agencies an immediate referral may go to, in the rules' own words: a profile names those
# that meet its referral (``Profile.referral_met_by``). A MASH is the front door to children's
# social care.
AGENCY_MASH = "mash"
AGENCY_SOCIAL_CARE = "social_care"
AGENCY_POLICE = "police"
AGENCIES = (AGENCY_MASH, AGENCY_SOCIAL_CARE, AGENCY_POLICE)

# --------------------------------------------------------------------------------------------
# Questions, as the DSL asks them at the initial review meeting and in the risk assessment.
# --------------------------------------------------------------------------------------------

# The initial review meeting's facts, in the order the meeting takes them. Two facts of ``Facts``
# are not asked here: ``high_risk_assessment`` is the risk assessment's overall rating, and
# ``known_to_social_care`` comes from the young people recorded as involved.
FACT_QUESTIONS = (
    (
        "adult_involved",
        "Does the incident involve, or possibly involve, an adult (18 or over): did an adult "
        "create, solicit, receive or share the imagery, or know of it? (Wolverhampton, Initial "
        'review meeting: "The incident also involves an adult (18 and above)"; Evergreen, Step '
        '2: "Any conduct involving, or possibly involving, the knowledge or participation of '
        'adults")',
    ),
    (
        "coerced",
        "Is there reason to believe that a young person has been coerced, blackmailed or groomed, "
        "or put under pressure to produce the imagery? (Wolverhampton, Initial review meeting and "
        "Assessing the risks)",
    ),
    (
        "capacity_concern",
        "Are there concerns about a young person's capacity to consent, for example owing to "
        "special educational needs? (Wolverhampton, Initial review meeting)",
    ),
    (
        "intent_to_harm",
        "Did a young person act with intent to harm: interpersonal conflict such as a break-up "
        "or a fight among friends, blackmail, threats, deception, or sexual abuse or exploitation? "
        '(Wolak and Finkelhor typology: "Youth Only: Intent to Harm")',
    ),
    (
        "shared_without_consent",
        "Was the imagery taken or sent without the knowing or willing participation of the young "
        'person pictured? (Wolak and Finkelhor typology: "Youth Only: Reckless Misuse"; '
        'Wolverhampton, Assessing the risks: "Was it shared and received with the knowledge of '
        'the pupil in the imagery?")',
    ),
    (
        "romantic_relationship",
        "Are the young people in an ongoing relationship, making the imagery for themselves or "
        "each other, not meant to go beyond the pair? (Wolak and Finkelhor typology: "
        '"Romantic")',
    ),
    (
        "attention_seeking",
        "Was the imagery sent between young people not known to be romantic partners, or sent to "
        "many others or posted online, to draw sexual attention? (Wolak and Finkelhor typology: "
        '"Sexual Attention Seeking")',
    ),
    (
        "sent_to_others",
        'Was the imagery sent or shown to anyone at all? (Wolak and Finkelhor typology: "Other" '
        'covers pictures taken "for themselves (no evidence of any sending or sharing)")',
    ),
    (
        "unusual_or_violent_content",
        "Does what you know about the imagery suggest the content depicts sexual acts which are "
        "unusual for the young person's developmental stage, or are violent? Answer from what "
        "you have been told; do not view the imagery. (Wolverhampton, Initial review meeting)",
    ),
    (
        "immediate_risk_of_harm",
        "Is there reason to believe a young person is at immediate risk of harm owing to the "
        "sharing of the imagery, for example presenting as suicidal or self-harming? "
        "(Wolverhampton, Initial review meeting)",
    ),
    (
        "depicts_sexual_acts",
        "Does what you have been told about the imagery indicate that it shows sexual acts? "
        "Answer from what you have been told; do not view the imagery. (UKCIS 2020: a young "
        "person under 13 and imagery involving sexual acts)",
    ),
    (
        "financial_extortion",
        "Did someone demand money, gift cards or more imagery under threat of sharing the "
        'imagery (financially motivated sexual extortion, "sextortion")? (National Crime '
        "Agency alert to education settings, April 2024; UK Council for Internet Safety, Sharing "
        "nudes and semi-nudes, updated March 2024)",
    ),
)

# Wolverhampton, "Assessing the risks": "When assessing the risks, the following will be
# considered". The codes are the risk assessment's field names.
RISK_QUESTIONS = (
    ("why_shared", "Why was the imagery shared?"),
    ("coerced", "Was the young person coerced or put under pressure to produce the imagery?"),
    ("who_shared", "Who has shared the imagery?"),
    ("where_shared", "Where has the imagery been shared?"),
    (
        "knowledge_of_pictured",
        "Was it shared and received with the knowledge of the pupil in the imagery?",
    ),
    ("adults_involved", "Are there any adults involved in the sharing of the imagery?"),
    ("impact", "What is the impact on the young people involved?"),
    ("vulnerabilities", "Do the young people involved have additional vulnerabilities?"),
    ("understands_consent", "Does the young person understand consent?"),
    ("previous_activity", "Has the young person taken part in this kind of activity before?"),
)

# --------------------------------------------------------------------------------------------
# The facts.
# --------------------------------------------------------------------------------------------

YOUNG_PERSON_AGES = range(0, 18)  # an under-18 is a child in law (Sexual Offences Act 2003)


@dataclass(frozen=True, slots=True)
class Facts:
    """What the initial review meeting has established. Unset answers are UNKNOWN.

    Answers may be given as ``Answer`` members or as their stored strings ("yes", "no",
    "unknown"). ``ages`` are the young people's ages at the incident date, each 0 to 17; any
    other value raises ``ValueError``. Empty ``ages`` means not known.
    """

    ages: tuple[int, ...] = ()
    adult_involved: Answer = Answer.UNKNOWN
    coerced: Answer = Answer.UNKNOWN
    capacity_concern: Answer = Answer.UNKNOWN
    intent_to_harm: Answer = Answer.UNKNOWN
    shared_without_consent: Answer = Answer.UNKNOWN
    romantic_relationship: Answer = Answer.UNKNOWN
    attention_seeking: Answer = Answer.UNKNOWN
    sent_to_others: Answer = Answer.UNKNOWN
    unusual_or_violent_content: Answer = Answer.UNKNOWN
    immediate_risk_of_harm: Answer = Answer.UNKNOWN
    high_risk_assessment: Answer = Answer.UNKNOWN
    known_to_social_care: Answer = Answer.UNKNOWN
    depicts_sexual_acts: Answer = Answer.UNKNOWN
    # Added in 2026 (docs/policy.md#sexual-extortion, #ai-generated-imagery).
    financial_extortion: Answer = Answer.UNKNOWN
    ai_generated: Answer = Answer.UNKNOWN

    def __post_init__(self) -> None:
        ages = tuple(self.ages)
        for age in ages:
            if isinstance(age, bool) or not isinstance(age, int) or age not in YOUNG_PERSON_AGES:
                raise ValueError(
                    f"ages are of young people, each a whole number from 0 to 17, not {age!r}; "
                    "an adult (18 or over) is recorded as adult_involved"
                )
        object.__setattr__(self, "ages", ages)
        for name in ANSWER_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, Answer):
                object.__setattr__(self, name, Answer(value))  # ValueError if not an answer


ANSWER_FIELDS = tuple(f.name for f in fields(Facts) if f.name != "ages")
# The facts added in 2026. Left UNKNOWN, they change no result: a record made before they were
# asked keeps its outcome and its doubts (``_established``).
FACTS_2026 = ("financial_extortion", "ai_generated")

# What is not known, when a fact is: "Not known: <phrase>".
_NOT_KNOWN = {
    "ages": "the ages of the young people involved",
    "adult_involved": "whether an adult (18 or over) is involved",
    "coerced": "whether a young person was coerced, blackmailed or groomed",
    "capacity_concern": "whether there is concern about a young person's capacity to consent",
    "intent_to_harm": "whether a young person acted with intent to harm",
    "shared_without_consent": (
        "whether the imagery was taken or sent without the pictured young person's knowing, "
        "willing participation"
    ),
    "romantic_relationship": "whether the young people are in an ongoing relationship",
    "attention_seeking": "whether the imagery was sent to draw sexual attention",
    "sent_to_others": "whether the imagery was sent or shown to anyone",
    "unusual_or_violent_content": (
        "whether the imagery is said to show sexual acts unusual for the young person's "
        "developmental stage, or violence"
    ),
    "immediate_risk_of_harm": "whether a young person is at immediate risk of harm",
    "high_risk_assessment": "whether the risk assessment rates the incident high risk",
    "known_to_social_care": (
        "whether a young person involved is, or has been, known to children's social care"
    ),
    "depicts_sexual_acts": "whether the imagery is said to show sexual acts",
    "financial_extortion": (
        "whether someone demanded money, gift cards or more imagery under threat of sharing it"
    ),
    "ai_generated": "whether the imagery was made or altered with AI or editing tools",
}

# Two facts worked out from ``ages``, so conditions can name them like the others.
UNDER_13 = "under_13"  # "The young person (people) involved is/are 12 years old or under"
AGED_13_17 = "aged_13_17"  # "If older young people (13-17) are involved"
_FACT_OF = {UNDER_13: "ages", AGED_13_17: "ages"}


# --------------------------------------------------------------------------------------------
# Conditions: "any of these, each needing all of those facts answered YES".
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Condition:
    """A condition on the facts: it holds when every fact of at least one term is YES.

    Conditions are combined with ``|`` (either) and ``&`` (both), so the tables below read like
    the policy. Only YES can make a condition hold, which is what lets ``relevant`` name the
    unknown facts an outcome turns on without trying every combination.
    """

    terms: tuple[frozenset[str], ...]

    def __or__(self, other: Condition) -> Condition:
        return Condition(_minimal(self.terms + other.terms))

    def __and__(self, other: Condition) -> Condition:
        return Condition(_minimal(tuple(a | b for a in self.terms for b in other.terms)))

    def holds(self, yes: frozenset[str]) -> bool:
        """Established: some term is wholly answered YES."""
        return any(term <= yes for term in self.terms)

    def could_hold(self, no: frozenset[str]) -> bool:
        """Possible: some term has no fact answered NO."""
        return any(term.isdisjoint(no) for term in self.terms)

    def relevant(self, yes: frozenset[str], no: frozenset[str]) -> set[str]:
        """The unknown facts this condition can turn on.

        An unknown fact matters when a possible term needs it and, with the rest of that term
        answered YES and every other unknown NO, nothing else makes the condition hold. That
        point is the least favourable for the condition, so if it holds there without the fact,
        it holds wherever the term does.
        """
        found: set[str] = set()
        for term in self.terms:
            if not term.isdisjoint(no):
                continue
            for fact in term - yes:
                if fact not in found and not self.holds(yes | (term - {fact})):
                    found.add(fact)
        return found


def _minimal(terms: tuple[frozenset[str], ...]) -> tuple[frozenset[str], ...]:
    """Drop repeated terms and terms that a smaller one already covers."""
    kept: list[frozenset[str]] = []
    for term in sorted(set(terms), key=lambda t: (len(t), sorted(t))):
        if not any(k <= term for k in kept):
            kept.append(term)
    return tuple(kept)


def yes(*facts: str) -> Condition:
    """Holds when all of ``facts`` are answered YES."""
    return Condition((frozenset(facts),))


def any_of(*conditions: Condition) -> Condition:
    """Holds when any of ``conditions`` does."""
    result = NEVER
    for condition in conditions:
        result = result | condition
    return result


ALWAYS = Condition((frozenset(),))
NEVER = Condition(())


# --------------------------------------------------------------------------------------------
# The typology: Wolak and Finkelhor (2011), as the Wolverhampton guidance ("Definitions") and
# the Evergreen policy (Appendix 2) give it. Precedence is the table's order: the first row
# that applies wins (docs/policy.md#typology).
# --------------------------------------------------------------------------------------------

TYPOLOGY_SOURCE = (
    "Wolak and Finkelhor typology, as quoted in the Wolverhampton guidance, Definitions, and the "
    "Evergreen policy, Appendix 2"
)


@dataclass(frozen=True, slots=True)
class Row:
    category: str
    subtype: str
    phrase: str  # how a reason names the subtype
    when: Condition
    # Which answered-YES fact says what, for the reason.
    because: tuple[tuple[str, str], ...] = ()
    # A fact that, answered YES, keeps the row from applying.
    unless: str | None = None


TYPOLOGY = (
    # "Adult offenders develop relationships with and seduce underage teenagers ... The youth
    # produced sexual images generally, but not always, are solicited by the adult offenders."
    Row(
        "aggravated",
        "adult_involved",
        "adult involved",
        yes("adult_involved"),
        (
            (
                "adult_involved",
                "an adult (18 or over) created, solicited, received or shared the imagery, or "
                "knew of it",
            ),
        ),
    ),
    # "Youth Only: Intent to Harm cases that arise from interpersonal conflict such as break-ups
    # and fights among friends, involve criminal or abusive conduct such as blackmail, threats or
    # deception, involve criminal sexual abuse or exploitation by juvenile offenders."
    # Coercion, blackmail or grooming with no adult established makes the incident
    # youth_intent_to_harm (docs/policy.md#typology); the reason says "by a young person" only
    # when the adult question is answered no (``_BY_WHOM``).
    Row(
        "aggravated",
        "youth_intent_to_harm",
        "youth intent to harm",
        yes("intent_to_harm") | yes("coerced") | yes("financial_extortion"),
        (
            (
                "intent_to_harm",
                "a young person acted with intent to harm (interpersonal conflict, threats, "
                "blackmail or deception)",
            ),
            ("coerced", "a young person was coerced, blackmailed or groomed"),
            # Sexual extortion is blackmail (National Crime Agency alert, April 2024).
            (
                "financial_extortion",
                "money, gift cards or more imagery were demanded under threat of sharing the "
                "imagery, which is blackmail",
            ),
        ),
    ),
    # "Youth Only: Reckless Misuse: no intent to harm but images are taken or sent without the
    # knowing or willing participation of the young person who is pictured."
    Row(
        "aggravated",
        "youth_reckless_misuse",
        "youth reckless misuse",
        yes("shared_without_consent"),
        (
            (
                "shared_without_consent",
                "the imagery was taken or sent without the knowing or willing participation of "
                "the young person pictured, with no intent to harm established",
            ),
        ),
    ),
    # "Romantic episodes in which young people in ongoing relationships make images for
    # themselves or each other, and images were not intended to be distributed beyond the pair."
    # Imagery sent to draw attention has gone beyond the pair, so it is not romantic.
    Row(
        "experimental",
        "romantic",
        "romantic",
        yes("romantic_relationship"),
        (
            (
                "romantic_relationship",
                "young people in an ongoing relationship made the imagery for themselves or each "
                "other, not meant to go beyond the pair",
            ),
        ),
        unless="attention_seeking",
    ),
    # "Sexual Attention Seeking in which images are made and sent between or among young people
    # who were not known to be romantic partners, or where one youngster takes pictures and
    # sends them to many others or posts them online, presumably to draw sexual attention."
    Row(
        "experimental",
        "attention_seeking",
        "sexual attention seeking",
        yes("attention_seeking"),
        (
            (
                "attention_seeking",
                "the imagery was sent to draw sexual attention, between young people not known "
                "to be partners, or to many others or online",
            ),
        ),
    ),
    # "Other: cases that do not appear to have aggravating elements ... but also do not fit into
    # the Romantic or Attention Seeking sub-types."
    Row("experimental", "other", "other", ALWAYS),
)

# Who acted, for a "because" that names it only once the adult question is answered: no adult
# (answered NO), or not yet established (UNKNOWN; a YES would have made it "adult involved").
_BY_WHOM = {
    "coerced": (
        "by a young person",
        "and who coerced them is not established: an adult may be involved",
    ),
    "financial_extortion": (
        "by a young person",
        "and who made the demand is not established: an adult may be involved",
    ),
}

# "Aggravated incidents of sexting involved criminal or abusive elements beyond the creation of
# an image" (Wolverhampton, Definitions): any of the aggravated rows.
AGGRAVATED = any_of(*(row.when for row in TYPOLOGY if row.category == "aggravated"))

# "Other" includes "pre-adolescent children (age 9 or younger) who did not appear to have sexual
# motives".
PRE_ADOLESCENT_AGE = 9


# --------------------------------------------------------------------------------------------
# Clauses: a policy's words with where they are. The reasons cite them; so may the rest of the
# product (the requirements module prompts for CEOP and the hosting site from the record).
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Clause:
    """Words of a policy, and ``source``: the document and section they are in.

    ``paraphrased`` is true where the product holds no text of the source (the UKCIS advice):
    ``words`` are then the product's summary, never shown in quotation marks.
    """

    source: str
    words: str
    paraphrased: bool = False

    @property
    def quoted(self) -> str:
        """The words as a reason shows them: in quotation marks, or marked as a paraphrase."""
        return f"paraphrased: {self.words}" if self.paraphrased else f'"{self.words}"'

    def cite(self) -> str:
        """Source and words, as the parenthesis that closes a reason holds them."""
        separator = ", " if self.paraphrased else ": "
        return f"{self.source}{separator}{self.quoted}"


WOLVERHAMPTON_INITIAL_RESPONSE = "Wolverhampton guidance, An initial response"
WOLVERHAMPTON_INITIAL_REVIEW = "Wolverhampton guidance, Initial review meeting"
WOLVERHAMPTON_RECORDING = "Wolverhampton guidance, Recording incidents"
# Wolverhampton, "Children's social care contact and referrals".
SOCIAL_CARE_SOURCE = "Wolverhampton guidance, Children's social care contact and referrals"
EVERGREEN_POLICE = "Evergreen policy, Step 2"

# "When an incident involving youth produced sexual imagery comes to our attention: ... At any
# point in the process ...": whatever the category and the criteria (``at_risk_of_harm``).
AT_ANY_POINT = Clause(
    WOLVERHAMPTON_INITIAL_RESPONSE,
    "At any point in the process if there is a concern a child/young person has been harmed or "
    "is at risk of harm a referral should be made to children's social care and/or the police "
    "immediately",
)
# After the criteria: "If the incident is considered to be 'Experimental' ... it may be more
# appropriate for our school to manage the incident directly. In contrast, ...". It sits in
# tension with ``NONE_OF_THE_ABOVE`` when an incident is aggravated and meets no criterion
# (``aggravated_without_criteria``).
AGGRAVATING_FACTORS = Clause(
    WOLVERHAMPTON_INITIAL_REVIEW,
    "any incidents with aggravating factors, for example, a young person sharing someone else's "
    "imagery without consent and with malicious intent, will be referred to the MASH (and/or "
    "police)",
)
NONE_OF_THE_ABOVE = Clause(
    WOLVERHAMPTON_INITIAL_REVIEW,
    "If none of the above apply, then our school may decide to respond to the incident without "
    "involving the MASH (or police)",
)
NOT_REFERRED_RECORDED = Clause(
    WOLVERHAMPTON_RECORDING,
    "if our school decides not to refer incidents to the police or children's social care, we "
    "will record our reason for doing so and ensure that this is signed off by the Headteacher",
)
WOLVERHAMPTON_DOUBT_CLAUSE = Clause(
    WOLVERHAMPTON_INITIAL_REVIEW,
    "If we have any doubts about whether to involve other agencies, establishments should liaise "
    "with the MASH to seek further advice",
)
# The string forms below keep their earlier values for code that uses them.
WOLVERHAMPTON_DOUBT = f"{WOLVERHAMPTON_DOUBT_CLAUSE.quoted} ({WOLVERHAMPTON_INITIAL_REVIEW})"
WOLVERHAMPTON_SOCIAL_CARE = Clause(
    SOCIAL_CARE_SOURCE,
    "They should also contact children's social care if they believe they may be involved, or "
    "have been involved with a young person in the past",
)
SOCIAL_CARE_CLAUSE = WOLVERHAMPTON_SOCIAL_CARE.quoted

# The police, from the Evergreen policy, Step 2, for every profile. "Involving, or
# possibly involving" an adult: so ``POLICE_REQUIRED`` is checked with ``could_hold``.
POLICE_REQUIRED = yes("adult_involved")
POLICE_ADULT = Clause(
    EVERGREEN_POLICE,
    "Any conduct involving, or possibly involving, the knowledge or participation of adults "
    "should always be referred to the police",
)
POLICE_AGGRAVATED = Clause(
    EVERGREEN_POLICE,
    "As a general rule it will almost always be proportionate to refer any incident involving "
    "'aggravated' sharing of images to the police",
)
POLICE_EXPERIMENTAL = Clause(
    EVERGREEN_POLICE,
    "If an 'experimental' incident is not referred to the police the reasons for this should be "
    "recorded in writing",
)
# Their quoted forms, as before.
POLICE_ADULT_CLAUSE = POLICE_ADULT.quoted
POLICE_AGGRAVATED_CLAUSE = POLICE_AGGRAVATED.quoted
POLICE_EXPERIMENTAL_CLAUSE = POLICE_EXPERIMENTAL.quoted

# Evergreen, Step 2, on reporting. They rest on the record (where the imagery is, who may be
# involved), not on ``Facts``: ``assess`` never cites them; the requirements module does.
HOSTING_SITE_REPORT = Clause(
    EVERGREEN_POLICE,
    "If there is an indecent image of a child on a website or a social networking site then you "
    "should report the image to the site hosting it",
)
CEOP_REPORT = Clause(
    EVERGREEN_POLICE,
    "in the case of a sexting incident involving a child or young person where you feel that they "
    "may be at risk of abuse then you should report the incident directly to CEOP "
    "www.ceop.police.uk/ceop-report, so that law enforcement can make an assessment, expedite "
    "the case",
)


# The 2026 facts' sources, under every profile (paraphrased: the product holds no text of them).
EXTORTION_SOURCE = (
    "National Crime Agency alert to education settings on financially motivated sexual "
    "extortion, April 2024, and UK Council for Internet Safety, Sharing nudes and semi-nudes: "
    "advice for education settings, updated March 2024, paraphrased"
)
PSEUDO_PHOTOGRAPH_SOURCE = (
    "Protection of Children Act 1978, s.7, and UK Council for Internet Safety, Sharing nudes and "
    "semi-nudes: advice for education settings, updated March 2024, paraphrased"
)
# Sexual extortion is a crime to report to the police, whoever is behind it; checked with
# ``holds`` (established), unlike ``POLICE_REQUIRED``'s "possibly involving".
POLICE_EXTORTION = yes("financial_extortion")


# --------------------------------------------------------------------------------------------
# Policy profiles: data, one per policy a school may follow. Each decision records the profile
# and version it was made under.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Criterion:
    """A ground for an immediate referral.

    ``text`` is how a reason names it, ``label`` how a list or panel does. ``clause`` is the
    policy's words: a quotation, or, when ``paraphrased``, the product's summary of a text it
    does not hold.
    """

    code: str
    when: Condition
    text: str
    label: str
    clause: str
    paraphrased: bool = False


@dataclass(frozen=True, slots=True)
class Profile:
    """A policy's rules for immediate referral, and the words it gives them, as data."""

    name: str
    version: str
    title: str
    source: str
    criteria: tuple[Criterion, ...]
    # Wolverhampton: "The incident is considered to be 'Aggravated' AND" one of the criteria.
    referral_needs_aggravated: bool
    # UKCIS: the immediate referral goes to "the police and/or children's social care", so an
    # incident that needs it needs the police at least advised.
    referral_advises_police: bool
    referral_to: str  # the agency of the immediate referral, in words: "the MASH"
    # The agencies (``AGENCIES``) a referral to any of which meets the immediate referral.
    referral_met_by: tuple[str, ...]
    referral_source: str
    referral_quote: str  # the clause that leads into the criteria, quoted once before the first
    no_referral_reason: str
    no_referral: Clause  # the school may respond itself when no criterion applies
    # The clause that refers every aggravated incident, whatever the criteria (Wolverhampton);
    # None where the criteria apply whatever the category (UKCIS).
    aggravated_referral: Clause | None
    not_referred_recorded: Clause | None  # written reasons for not referring
    doubt: Clause  # whom to ask when in doubt about involving other agencies
    advice_from: str  # whom the DSL asks, in words: "the MASH"
    social_care: Clause  # contact children's social care when they are or were involved
    at_risk: Clause  # refer at once when a young person has been or may be harmed
    typology_source: str
    # Where the profile names the Brook sexual behaviours traffic-light tool (the child-on-child
    # prompt, 2026).
    brook_tool_source: str = "Brook, sexual behaviours traffic-light tool"
    # Worked out from the above.
    referral: Condition = field(init=False, repr=False, compare=False)
    police_advised: Condition = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        unknown = set(self.referral_met_by) - set(AGENCIES)
        if unknown or not self.referral_met_by:
            raise ValueError(f"referral_met_by must name agencies of {AGENCIES}, not {unknown}")
        any_criterion = any_of(*(criterion.when for criterion in self.criteria))
        referral = AGGRAVATED & any_criterion if self.referral_needs_aggravated else any_criterion
        advised = POLICE_REQUIRED | AGGRAVATED
        if self.referral_advises_police:
            advised = advised | referral
        object.__setattr__(self, "referral", referral)
        object.__setattr__(self, "police_advised", advised)

    def criterion(self, code: str) -> Criterion | None:
        """The profile's criterion of that code, or None if it has none."""
        return next((c for c in self.criteria if c.code == code), None)

    def criterion_label(self, code: str) -> str:
        """The criterion's label in the profile's words; the code itself if it has no such."""
        criterion = self.criterion(code)
        return criterion.label if criterion else code

    def referral_met(self, agencies: Iterable[str]) -> bool:
        """Whether referrals to ``agencies`` (words of ``AGENCIES``) meet the immediate referral."""
        return not set(self.referral_met_by).isdisjoint(agencies)


WOLVERHAMPTON_2016 = Profile(
    name="wolverhampton-2016",
    version="2016.1",
    title="Wolverhampton Safeguarding Children Board: Youth Produced Sexual Imagery guidance",
    source=(
        "Wolverhampton Safeguarding Children Board, Youth Produced Sexual Imagery (sexting) "
        "Policy Guidance (2016), with the Evergreen Primary School sexting policy for the police"
    ),
    # "An immediate referral to Wolverhampton's Multi-Agency Safeguarding Hub (MASH) will be made
    # at this initial stage if: The incident is considered to be 'Aggravated' AND" one of these.
    criteria=(
        Criterion(
            "under_13",
            yes(UNDER_13),
            text="a young person involved is 12 or under",
            label="A young person involved is 12 or under",
            clause="The young person (people) involved is/are 12 years old or under",
        ),
        Criterion(
            "adult_involved",
            yes("adult_involved"),
            text="the incident involves an adult (18 or over)",
            label="The incident involves an adult (18 or over)",
            clause="The incident also involves an adult (18 and above)",
        ),
        Criterion(
            "high_risk_13_17",
            yes(AGED_13_17, "high_risk_assessment"),
            text="a young person involved is 13 to 17 and the risk assessment rates the incident "
            "high risk",
            label="A young person involved is 13 to 17 and the risk assessment rates it high",
            clause="If older young people (13-17) are involved, a risk assessment identifies the "
            "incident as high risk",
        ),
        Criterion(
            "coercion_or_capacity",
            # Sexual extortion is blackmail (2026: docs/policy.md#sexual-extortion).
            yes("coerced") | yes("capacity_concern") | yes("financial_extortion"),
            text="there is reason to believe a young person was coerced, blackmailed or groomed, "
            "or concern about their capacity to consent",
            label="Coercion, blackmail or grooming, or concern about capacity to consent",
            clause="There is reason to believe that a young person has been coerced, blackmailed "
            "or groomed, or if there are concerns about their capacity to consent",
        ),
        Criterion(
            "unusual_or_violent_content",
            yes("unusual_or_violent_content"),
            text="what is known of the imagery suggests sexual acts unusual for the young "
            "person's developmental stage, or violence",
            label="The imagery is said to show sexual acts unusual for the developmental stage, "
            "or violence",
            clause="What you know about the imagery suggests the content depicts sexual acts "
            "which are unusual for the young person's developmental stage, or are violent",
        ),
        Criterion(
            "immediate_risk_of_harm",
            yes("immediate_risk_of_harm"),
            text="there is reason to believe a young person is at immediate risk of harm owing "
            "to the sharing",
            label="A young person is at immediate risk of harm owing to the sharing",
            clause="We have reason to believe a young person is at immediate risk of harm owing "
            "to the sharing of the imagery",
        ),
    ),
    referral_needs_aggravated=True,
    referral_advises_police=False,
    referral_to="the MASH",
    # Wolverhampton, "Initial review meeting": "If a referral should be made to Wolverhampton's
    # Multi-Agency Safeguarding Hub (MASH) and/or the police"; a referral to children's social
    # care reaches the same service.
    referral_met_by=(AGENCY_MASH, AGENCY_SOCIAL_CARE),
    referral_source=WOLVERHAMPTON_INITIAL_REVIEW,
    referral_quote="The incident is considered to be 'Aggravated' AND",
    no_referral_reason=(
        "No immediate referral to the MASH: {why}; the school may respond without involving the "
        "MASH (or police) when the DSL is confident the risks can be managed, and may escalate "
        f"at any time ({NONE_OF_THE_ABOVE.cite()})."
    ),
    no_referral=NONE_OF_THE_ABOVE,
    aggravated_referral=AGGRAVATING_FACTORS,
    not_referred_recorded=NOT_REFERRED_RECORDED,
    doubt=WOLVERHAMPTON_DOUBT_CLAUSE,
    advice_from="the MASH",
    social_care=WOLVERHAMPTON_SOCIAL_CARE,
    at_risk=AT_ANY_POINT,
    typology_source=TYPOLOGY_SOURCE,
    brook_tool_source=(
        "Wolverhampton guidance, appropriate guidance and risk assessment tools: Brook Traffic "
        "Lights tool"
    ),
)

UKCIS_SOURCE = (
    "UKCIS, Sharing nudes and semi-nudes: advice for education settings, 2020 (updated 2024)"
)
UKCIS_INITIAL_REVIEW = f"{UKCIS_SOURCE}, initial review meeting"

UKCIS_2020 = Profile(
    name="ukcis-2020",
    version="2024.1",
    title="UKCIS: Sharing nudes and semi-nudes, advice for education settings",
    source=(
        "UK Council for Internet Safety, Sharing nudes and semi-nudes: advice for education "
        "settings working with children and young people (2020, updated 2024), with the "
        "Evergreen Primary School sexting policy for the police"
    ),
    # An immediate referral to the police and/or children's social care if any of five points
    # applies, whatever the category. There is no point for a high-risk 13-17 incident. The
    # product holds no text of the advice: every clause is a paraphrase.
    criteria=(
        Criterion(
            "under_13",
            yes(UNDER_13, "depicts_sexual_acts"),
            text="a young person involved is under 13 and the imagery involves sexual acts",
            label="A young person involved is under 13 and the imagery involves sexual acts",
            clause="the imagery involves sexual acts and a young person in it is under 13",
            paraphrased=True,
        ),
        Criterion(
            "adult_involved",
            yes("adult_involved"),
            text="the incident involves an adult (18 or over)",
            label="The incident involves an adult (18 or over)",
            clause="the incident involves an adult",
            paraphrased=True,
        ),
        Criterion(
            "coercion_or_capacity",
            # Sexual extortion is blackmail (2026: docs/policy.md#sexual-extortion).
            yes("coerced") | yes("capacity_concern") | yes("financial_extortion"),
            text="there is reason to believe a young person was coerced, blackmailed or groomed, "
            "or concern about their capacity to consent",
            label="Coercion, blackmail or grooming, or concern about capacity to consent",
            clause="there is reason to believe a young person has been coerced, blackmailed or "
            "groomed, or there are concerns about their capacity to consent",
            paraphrased=True,
        ),
        Criterion(
            "unusual_or_violent_content",
            yes("unusual_or_violent_content"),
            text="what is known of the imagery suggests sexual acts unusual for the young "
            "person's developmental stage, or violence",
            label="The imagery is said to show sexual acts unusual for the developmental stage, "
            "or violence",
            clause="what is known of the imagery suggests sexual acts unusual for the young "
            "person's developmental stage, or violence",
            paraphrased=True,
        ),
        Criterion(
            "immediate_risk_of_harm",
            yes("immediate_risk_of_harm"),
            text="there is reason to believe a young person is at immediate risk of harm owing "
            "to the sharing",
            label="A young person is at immediate risk of harm owing to the sharing",
            clause="there is reason to believe a young person is at immediate risk of harm owing "
            "to the sharing, for example presenting as suicidal or self-harming",
            paraphrased=True,
        ),
    ),
    referral_needs_aggravated=False,
    referral_advises_police=True,
    referral_to="the police and/or children's social care",
    # A referral to either agency; a MASH is the front door to children's social care.
    referral_met_by=(AGENCY_MASH, AGENCY_SOCIAL_CARE, AGENCY_POLICE),
    referral_source=f"{UKCIS_INITIAL_REVIEW}: any of its five points, whatever the category",
    referral_quote="",
    no_referral_reason=(
        "No immediate referral to the police or children's social care: {why}; the DSL may "
        "respond without involving them when confident the risks can be managed, and may "
        f"escalate at any time ({UKCIS_INITIAL_REVIEW}, paraphrased)."
    ),
    no_referral=Clause(
        UKCIS_INITIAL_REVIEW,
        "if none of the points applies, the school may respond without involving the police or "
        "children's social care, and may escalate at any time",
        paraphrased=True,
    ),
    aggravated_referral=None,
    not_referred_recorded=None,
    doubt=Clause(
        UKCIS_SOURCE,
        "when in doubt about whether to involve other agencies, seek advice from children's "
        "social care through the local authority's front door",
        paraphrased=True,
    ),
    advice_from="children's social care",
    social_care=Clause(
        UKCIS_SOURCE,
        "contact children's social care where they are, may be, or have been involved with a "
        "young person involved",
        paraphrased=True,
    ),
    at_risk=Clause(
        UKCIS_SOURCE,
        "at any point, a concern that a young person has been harmed or is at risk of harm calls "
        "for a referral to children's social care and/or the police straight away",
        paraphrased=True,
    ),
    typology_source="Wolak and Finkelhor typology, as the Evergreen policy, Appendix 2 gives it",
)

DEFAULT_POLICY = WOLVERHAMPTON_2016.name

_PROFILES = {p.name: p for p in (WOLVERHAMPTON_2016, UKCIS_2020)}

# The default profile's labels, for code that does not know the profile (new code should call
# ``criterion_label`` with the result's profile).
CRITERION_LABELS = {c.code: c.label for c in WOLVERHAMPTON_2016.criteria}


def policies() -> tuple[Profile, ...]:
    """Every profile a school may choose, the default first."""
    return tuple(_PROFILES.values())


def get_policy(name: str) -> Profile:
    try:
        return _PROFILES[name]
    except (KeyError, TypeError):
        known = ", ".join(_PROFILES)
        raise ValueError(f"unknown policy {name!r}; known policies: {known}") from None


def criterion_label(policy: str, code: str) -> str:
    """A criterion's label in the words of ``policy`` (a profile's name), for lists and panels.

    Raises ``ValueError`` for an unknown policy; a code the profile does not have is returned
    as it is.
    """
    return get_policy(policy).criterion_label(code)


# --------------------------------------------------------------------------------------------
# The assessment.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Assessment:
    """The rules' result, with the profile it was worked out under."""

    category: str
    subtype: str
    mash_referral: bool
    mash_criteria: tuple[str, ...]
    police: str
    social_care_contact: bool
    seek_advice: bool
    reasons: tuple[str, ...]
    policy: str
    policy_version: str
    unknown_facts: tuple[str, ...]


# The outcomes an unknown fact may change, as a doubt reason names them.
_CATEGORY = "the category"
_REFERRAL = "the immediate referral"
_POLICE = "the police referral"
_SOCIAL_CARE = "contact with children's social care"
_SUBTYPE_AND_ADULT_CRITERION = (
    "the subtype (to adult involved) and add the adult_involved criterion"
)
# Sexual extortion established: whether an adult is involved is always a doubt while not known.
EXTORTION_ADULT_DOUBT = yes("financial_extortion")
SOCIAL_CARE_KNOWN = yes("known_to_social_care")


def assess(facts: Facts, policy: str = DEFAULT_POLICY) -> Assessment:
    """Work out the typology, the referrals and the reasons for ``facts`` under ``policy``."""
    profile = get_policy(policy)
    yes_, no = _established(facts)

    row = _row(yes_)
    aggravated = row.category == "aggravated"

    criteria = tuple(c for c in profile.criteria if c.when.holds(yes_))
    referral = profile.referral.holds(yes_)

    if POLICE_REQUIRED.could_hold(no) or POLICE_EXTORTION.holds(yes_):
        police = "required"
    elif profile.police_advised.holds(yes_):
        police = "advised"
    else:
        police = "discretionary"

    social_care = SOCIAL_CARE_KNOWN.holds(yes_)

    # Which unknown facts could change an outcome, and which outcomes.
    changes: dict[str, list[str]] = {}
    for outcome, condition in (
        (_CATEGORY, AGGRAVATED),
        (_REFERRAL, profile.referral),
        (_POLICE, POLICE_REQUIRED | POLICE_EXTORTION),
        (_POLICE, profile.police_advised),
        (_SOCIAL_CARE, SOCIAL_CARE_KNOWN),
    ):
        if condition.holds(yes_) == condition.could_hold(no):
            continue  # settled whatever the unknowns turn out to be
        for atom in condition.relevant(yes_, no):
            outcomes = changes.setdefault(_FACT_OF.get(atom, atom), [])
            if outcome not in outcomes:
                outcomes.append(outcome)
    # Sexual extortion with the adult not known: usually an unknown adult is behind it, and
    # an adult would change the subtype and add the adult_involved criterion. The doubt counts
    # even where neither referral turns on it (docs/policy.md#sexual-extortion).
    extortion_adult_doubt = (
        EXTORTION_ADULT_DOUBT.holds(yes_) and facts.adult_involved is Answer.UNKNOWN
    )
    if extortion_adult_doubt:
        changes.setdefault("adult_involved", []).append(_SUBTYPE_AND_ADULT_CRITERION)
    unknown_facts = tuple(name for name in _FIELD_ORDER if name in changes)

    # Each quotation at most once: the referral's lead clause with the first criterion only, the
    # advice clause in one "Seek advice" reason, each unknown fact in a short reason of its own.
    reasons = [_typology_reason(profile, row, facts, yes_, no)]
    reasons += _referral_reasons(profile, criteria, referral, aggravated)
    if _at_risk(facts, aggravated):
        reasons.append(_at_risk_reason(profile, facts, aggravated))
    reasons.append(_police_reason(profile, police, facts, aggravated))
    if facts.financial_extortion is Answer.YES:
        reasons.append(_extortion_reason())
    if facts.ai_generated is Answer.YES:
        reasons.append(_ai_generated_reason())
    if child_on_child_gap(facts.ages):
        reasons.append(_child_on_child_reason(profile, facts.ages))
    if social_care:
        reasons.append(
            "Contact children's social care: a young person involved is, or has been, known to "
            f"them, whatever the category ({profile.social_care.source})."
        )
    if unknown_facts:
        reasons.append(_advice_reason(profile, len(unknown_facts)))
        reasons += (_not_known_reason(profile, name, changes[name]) for name in unknown_facts)

    return Assessment(
        category=row.category,
        subtype=row.subtype,
        mash_referral=referral,
        mash_criteria=tuple(c.code for c in criteria),
        police=police,
        social_care_contact=social_care,
        seek_advice=bool(unknown_facts),
        reasons=tuple(reasons),
        policy=profile.name,
        policy_version=profile.version,
        unknown_facts=unknown_facts,
    )


def provisional_facts(facts: Facts, policy: str = DEFAULT_POLICY) -> tuple[str, ...]:
    """The unknown facts that could change the category or the subtype, in the facts' order.

    Empty when the typology's answer is settled whatever the unknowns turn out to be; when it is
    not, ``assess`` says in its first reason that the category is provisional. A fact is named
    when some way of answering the other unknowns leaves the row turning on it (as
    ``Assessment.unknown_facts`` does for the referrals). Every profile uses the same typology
    today; ``policy`` is checked all the same (``ValueError`` if unknown).
    """
    get_policy(policy)
    yes_, no = _established(facts)
    return _provisional(_row(yes_), yes_, no)


def at_risk_of_harm(facts: Facts) -> bool:
    """Whether the "at any point" prompt holds: refer at once to children's social care and/or
    the police (``AT_ANY_POINT``; each profile's ``at_risk`` clause).

    It holds when ``immediate_risk_of_harm`` is YES, whatever the category, and when
    ``high_risk_assessment`` is YES on an experimental incident (an aggravated one is referred,
    or advised to be, by the criteria, the police rule and, under Wolverhampton,
    ``AGGRAVATING_FACTORS``). The same under every profile.
    """
    yes_, _ = _established(facts)
    return _at_risk(facts, _row(yes_).category == "aggravated")


def aggravated_without_criteria(facts: Facts, policy: str = DEFAULT_POLICY) -> bool:
    """Whether the incident is aggravated but meets none of the profile's criteria, under a
    profile that refers aggravated incidents as such (``Profile.aggravated_referral``).

    Under Wolverhampton the guidance then pulls two ways: ``AGGRAVATING_FACTORS`` ("any
    incidents with aggravating factors ... will be referred to the MASH (and/or police)") against
    ``NONE_OF_THE_ABOVE`` ("If none of the above apply ... may decide to respond ... without
    involving the MASH"). The result advises a referral to the MASH, and says not making it
    needs written reasons; ``mash_referral`` stays false. Always false under UKCIS, whose
    criteria apply whatever the category.
    """
    profile = get_policy(policy)
    if profile.aggravated_referral is None:
        return False
    yes_, _ = _established(facts)
    aggravated = _row(yes_).category == "aggravated"
    return aggravated and not any(c.when.holds(yes_) for c in profile.criteria)


_FIELD_ORDER = ("ages", *ANSWER_FIELDS)


def _established(facts: Facts) -> tuple[frozenset[str], frozenset[str]]:
    """The facts answered YES and those answered NO, with the two age facts from ``ages``.

    A 2026 fact left UNKNOWN counts as NO here: it acts only once answered yes, so facts given
    without it get the result they had before 2026 (no doubt, nothing provisional).
    """
    yes_: set[str] = set()
    no: set[str] = set()
    for name in ANSWER_FIELDS:
        answer = getattr(facts, name)
        if answer is Answer.YES:
            yes_.add(name)
        elif answer is Answer.NO or name in FACTS_2026:
            no.add(name)
    if facts.ages:
        (yes_ if min(facts.ages) <= 12 else no).add(UNDER_13)
        (yes_ if any(age >= 13 for age in facts.ages) else no).add(AGED_13_17)
    return frozenset(yes_), frozenset(no)


def _row(yes_: frozenset[str]) -> Row:
    """The typology: the first row that applies wins."""
    return next(r for r in TYPOLOGY if r.when.holds(yes_) and r.unless not in yes_)


def _change_of_row(row: Row, yes_: frozenset[str]) -> Condition:
    """What, answered YES as well, would make another row than ``row`` apply.

    An earlier row would, once its condition holds, unless its ``unless`` is already YES (then
    it never can). The chosen row stops applying once its own ``unless`` is YES. An earlier row
    whose ``unless`` is not yet answered counts as it stands: that fact, answered YES, is itself
    the condition of a row before the chosen one (romantic is kept out only by attention
    seeking, the next row), so the row changes either way. ``tests/test_rules.py`` checks this
    against trying every answer.
    """
    index = TYPOLOGY.index(row)
    change = any_of(*(r.when for r in TYPOLOGY[:index] if r.unless not in yes_))
    if row.unless is not None:
        change = change | yes(row.unless)
    return change


def _provisional(row: Row, yes_: frozenset[str], no: frozenset[str]) -> tuple[str, ...]:
    change = _change_of_row(row, yes_)
    if not change.could_hold(no):
        return ()
    found = {_FACT_OF.get(atom, atom) for atom in change.relevant(yes_, no)}
    return tuple(name for name in _FIELD_ORDER if name in found)


def _at_risk(facts: Facts, aggravated: bool) -> bool:
    if facts.immediate_risk_of_harm is Answer.YES:
        return True
    return facts.high_risk_assessment is Answer.YES and not aggravated


def _or(items: list[str]) -> str:
    return " or ".join([", ".join(items[:-1]), items[-1]] if items[:-1] else items)


def _and(items: list[str]) -> str:
    return " and ".join([", ".join(items[:-1]), items[-1]] if items[:-1] else items)


def _because(fact: str, text: str, facts: Facts) -> str:
    """What a YES fact says for the row, naming who acted only once that is established."""
    by_whom = _BY_WHOM.get(fact)
    if by_whom is None:
        return text
    known, not_established = by_whom
    return f"{text} {known}" if facts.adult_involved is Answer.NO else f"{text}, {not_established}"


def _typology_reason(
    profile: Profile, row: Row, facts: Facts, yes_: frozenset[str], no: frozenset[str]
) -> str:
    provisional = _provisional(row, yes_, no)
    heading = f"{CATEGORY_LABELS[row.category]} — {row.phrase}"
    if provisional:
        heading += " (provisional)"
    if row.subtype != "other":
        why = "; ".join(_because(fact, text, facts) for fact, text in row.because if fact in yes_)
    elif facts.ages and max(facts.ages) <= PRE_ADOLESCENT_AGE:
        why = (
            "no aggravating element is established and the young people are pre-adolescent "
            f"({PRE_ADOLESCENT_AGE} or younger); check there is no apparent sexual motive"
        )
    elif facts.sent_to_others is Answer.NO:
        why = (
            "no aggravating element is established, and the imagery was kept by the young person "
            "who took it, with no sending or sharing"
        )
    else:
        why = (
            "no aggravating element is established, and neither a romantic relationship nor "
            "sexual attention seeking is established"
        )
        if facts.sent_to_others is Answer.YES:
            why += (
                "; the imagery was sent or shown to others, so check whether the romantic or "
                "attention-seeking subtype fits"
            )
    reason = f"{heading}: {why} ({profile.typology_source})."
    if provisional:
        reason += " " + _provisional_text(row, yes_, no, provisional)
    return reason


def _provisional_text(
    row: Row, yes_: frozenset[str], no: frozenset[str], provisional: tuple[str, ...]
) -> str:
    """Which unknown facts could change the row, and what a yes to them could make it."""
    to_aggravated: set[str] = set()
    if row.category == "experimental" and AGGRAVATED.could_hold(no):
        to_aggravated = {_FACT_OF.get(atom, atom) for atom in AGGRAVATED.relevant(yes_, no)}
    sentences: list[str] = []
    for names, becomes in (
        ([n for n in provisional if n in to_aggravated], "aggravated"),
        ([n for n in provisional if n not in to_aggravated], "another subtype"),
    ):
        if not names:
            continue
        # What each would make it, answered yes with the rest as they stand.
        phrases: list[str] = []
        for name in names:
            other = _row(yes_ | {name})
            if other is not row and other.phrase not in phrases:
                phrases.append(other.phrase)
        order = [r.phrase for r in TYPOLOGY]
        phrases.sort(key=order.index)
        lead = "Also not known" if sentences else "Not known"
        a_yes = {1: "A yes", 2: "A yes to either"}.get(len(names), "A yes to any of these")
        could = f"could make it {becomes}" + (f" ({_or(phrases)})" if phrases else "")
        sentences.append(f"{lead}: {'; '.join(_NOT_KNOWN[n] for n in names)}. {a_yes} {could}.")
    return " ".join(sentences)


def _criterion_cite(profile: Profile, criterion: Criterion, first: bool) -> str:
    """The source of a criterion; the referral's lead clause is quoted with the first only."""
    if criterion.paraphrased:
        return f"{profile.referral_source}; this point, paraphrased: {criterion.clause}"
    lead = f"{profile.referral_quote} ... " if first and profile.referral_quote else ""
    return f'{profile.referral_source}: "{lead}{criterion.clause}"'


def _referral_reasons(
    profile: Profile, criteria: tuple[Criterion, ...], referral: bool, aggravated: bool
) -> list[str]:
    cited = [_criterion_cite(profile, c, first=i == 0) for i, c in enumerate(criteria)]
    if referral:
        # Every criterion that holds is a ground; under Wolverhampton the incident is aggravated.
        lead = "the incident is aggravated and " if profile.referral_needs_aggravated else ""
        reasons = [
            f"Immediate referral to {profile.referral_to}: {lead}{c.text} ({cite})."
            for c, cite in zip(criteria, cited, strict=True)
        ]
        if aggravated and profile.aggravated_referral is not None:
            reasons.append(
                "Referral of aggravated incidents: besides the criteria, the incident is "
                f"aggravated, and aggravated incidents are to be referred "
                f"({profile.aggravated_referral.cite()})."
            )
        return reasons
    if criteria:
        # Only Wolverhampton asks for "Aggravated" as well, so only there can a criterion hold
        # without a referral; the DSL still sees it (docs/policy.md#immediate-referral).
        return [
            f"Criterion met without referral: {c.text}, but this triggers no immediate referral "
            f"to {profile.referral_to} because the incident is experimental ({cite})."
            for c, cite in zip(criteria, cited, strict=True)
        ]
    if aggravated and profile.aggravated_referral is not None:
        return [_tension_reason(profile, profile.aggravated_referral)]
    why = (
        "the incident is aggravated but none of the criteria is established"
        if aggravated and profile.referral_needs_aggravated
        else "none of the criteria is established"
    )
    return [profile.no_referral_reason.format(why=why)]


def _tension_reason(profile: Profile, aggravated_referral: Clause) -> str:
    """Aggravated, no criterion: the guidance refers aggravated incidents, and lets the school
    respond itself where no criterion applies (docs/policy.md#immediate-referral)."""
    to = profile.referral_to
    recorded = profile.not_referred_recorded
    return (
        f"No immediate referral to {to} is required: the incident is aggravated but none of the "
        "criteria is established. The guidance pulls two ways here: aggravated incidents are to "
        f"be referred ({aggravated_referral.cite()}), yet where none of the criteria applies the "
        f"school may respond itself ({profile.no_referral.cite()}). A referral to {to} is "
        "advised, not required; not making it needs written reasons"
        + (f" ({recorded.cite()})" if recorded else "")
        + ", and the school may escalate at any time."
    )


def _at_risk_reason(profile: Profile, facts: Facts, aggravated: bool) -> str:
    if facts.immediate_risk_of_harm is Answer.YES:
        ground = "there is reason to believe a young person is at immediate risk of harm"
        if facts.high_risk_assessment is Answer.YES and not aggravated:
            ground += ", and the risk assessment rates this experimental incident high risk"
        then = "whatever the category and the criteria, a referral should be made at once"
    else:
        ground = "the risk assessment rates this experimental incident high risk"
        then = (
            "if that risk is of harm to a young person, a referral should not wait for the criteria"
        )
    return f"Risk of harm: {ground}; {then} ({profile.at_risk.cite()})."


# Child-on-child prompts (2026): a prompt, never an outcome. Keeping Children Safe in Education,
# Part 5 (child-on-child sexual violence and sexual harassment); the Brook sexual behaviours
# traffic-light tool, which the Wolverhampton guidance lists among its risk assessment tools.
CHILD_ON_CHILD_AGE = 13
CHILD_ON_CHILD_GAP = 3
CHILD_ON_CHILD_SOURCE = "Keeping Children Safe in Education, Part 5, paraphrased"


def child_on_child_gap(ages: tuple[int, ...]) -> bool:
    """Whether the ages call for the child-on-child prompt: one young person under 13 and another
    13 or over, or two whose ages are three or more years apart."""
    if len(ages) < 2:
        return False
    youngest, oldest = min(ages), max(ages)
    straddles = youngest < CHILD_ON_CHILD_AGE <= oldest
    return straddles or oldest - youngest >= CHILD_ON_CHILD_GAP


def _child_on_child_reason(profile: Profile, ages: tuple[int, ...]) -> str:
    youngest, oldest = min(ages), max(ages)
    if youngest < CHILD_ON_CHILD_AGE <= oldest:
        why = f"one young person involved is under 13 ({youngest}) and another is {oldest}"
    else:
        why = (
            f"the young people's ages are {oldest - youngest} years apart ({youngest} and {oldest})"
        )
    return (
        f"Consider harmful sexual behaviour: {why}. Consider whether this is child-on-child "
        "abuse, and use the Brook sexual behaviours traffic-light tool to judge whether the "
        "behaviour is developmentally expected; this changes no outcome "
        f"({CHILD_ON_CHILD_SOURCE}; {profile.brook_tool_source})."
    )


def _extortion_reason() -> str:
    return (
        "Sexual extortion: money, gift cards or more imagery were demanded under threat of "
        "sharing the imagery. It is blackmail, so the incident is aggravated and meets the "
        "coercion criterion, and the police are to be told; the young person should be told not "
        "to pay, to stop contact, to keep (not delete) the messages, and that the accounts "
        f"should be reported ({EXTORTION_SOURCE})."
    )


def _ai_generated_reason() -> str:
    return (
        "Made or altered with AI or editing tools: this changes no category and no criterion, "
        "because a pseudo-photograph of a child is treated in law as a photograph of the child, "
        "so the imagery is responded to as imagery of the child pictured. The child pictured may "
        "not have taken part in making it: record that in the other facts, for example that it "
        "was taken or sent without their knowing, willing participation "
        f"({PSEUDO_PHOTOGRAPH_SOURCE})."
    )


def _police_reason(profile: Profile, police: str, facts: Facts, aggravated: bool) -> str:
    if police == "required" and facts.financial_extortion is Answer.YES:
        adult = {
            Answer.YES: "; an adult is also involved",
            Answer.UNKNOWN: "; an adult may also be involved, and conduct possibly involving "
            "an adult counts",
            Answer.NO: "",
        }[facts.adult_involved]
        cite = f"{EXTORTION_SOURCE}; {POLICE_ADULT.cite()}" if adult else EXTORTION_SOURCE
        return (
            "Police: referral required; sexual extortion (a demand under threat of sharing "
            f"imagery) is a crime to report to the police{adult} ({cite})."
        )
    if police == "required":
        if facts.adult_involved is Answer.YES:
            why = "the incident involves the knowledge or participation of an adult"
        else:
            why = (
                "it is not known whether an adult is involved, and conduct possibly involving an "
                "adult counts"
            )
        return f"Police: referral required; {why} ({POLICE_ADULT.cite()})."
    if police == "advised":
        if aggravated:
            return (
                "Police: referral advised; the incident is aggravated "
                f"({POLICE_AGGRAVATED.cite()})."
            )
        # Only where the profile's immediate referral may involve the police (UKCIS).
        return (
            f"Police: referral advised; an immediate referral to {profile.referral_to} applies "
            f"({profile.referral_source})."
        )
    return (
        "Police: at the school's discretion; purely experimental conduct may proportionately be "
        "dealt with without referral, and if the incident is not referred to the police the "
        f"reasons must be recorded in writing ({POLICE_EXPERIMENTAL.cite()})."
    )


def _advice_reason(profile: Profile, count: int) -> str:
    """The one reason that carries the profile's advice clause."""
    what = (
        "a fact that could change the outcome is not known (named below)"
        if count == 1
        else f"{count} facts that could change the outcome are not known (each named below)"
    )
    return f"Seek advice: {what}; ask {profile.advice_from} ({profile.doubt.cite()})."


def _not_known_reason(profile: Profile, fact: str, outcomes: list[str]) -> str:
    if outcomes == [_SUBTYPE_AND_ADULT_CRITERION]:
        return (
            f"Not known: {_NOT_KNOWN[fact]}; sexual extortion is established, and an unknown "
            "adult, often overseas, is usually behind it: the answer could change the subtype "
            "(to adult involved) and add the criterion that an adult is involved, even though "
            f"neither referral turns on it ({EXTORTION_SOURCE})."
        )
    if fact == "known_to_social_care" and outcomes == [_SOCIAL_CARE]:
        return (
            f"Not known: {_NOT_KNOWN[fact]}; find out, asking {profile.advice_from} if need be, "
            "and contact children's social care if they may be involved now or were in the past "
            f"({profile.social_care.cite()})."
        )
    return f"Not known: {_NOT_KNOWN[fact]}; the answer could change {_and(outcomes)}."
