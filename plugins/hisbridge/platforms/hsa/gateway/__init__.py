"""The 医保 real-time gateway the HIS calls for settlement and workstation queries (issue 7).

``service.py`` is the logic (validate, send, journal, resolve lost answers); ``app.py`` the FastAPI app (plugin
app for small sites, ``python -m hisbridge gateway serve`` under uvicorn with workers in production);
``tokens.py`` the callers' tokens; ``cli.py`` the command line.
"""
