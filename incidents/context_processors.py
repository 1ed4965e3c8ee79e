def current_school(request):
    school = getattr(request, "school", None)
    return {"current_school": school or None, "current_roles": getattr(request, "roles", ())}
