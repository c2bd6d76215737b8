"""How busy a site is: counts posted by its people counters, now and by hour of the week."""
