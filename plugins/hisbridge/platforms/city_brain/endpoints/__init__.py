"""The city brain's endpoints, one module per area, each exporting ``ENDPOINTS: list[Endpoint]`` (listed in
:data:`hisbridge.platforms.city_brain.catalogue.AREAS`)."""
