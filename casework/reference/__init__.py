"""Reference data: the municipalities of the Region Hannover and the partner companies."""
