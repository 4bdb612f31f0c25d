"""All plotting (matplotlib figures built without pyplot's global state)."""
