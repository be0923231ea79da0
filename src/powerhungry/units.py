"""Unit conversions the tables use, with their source."""

# 1 kWh = 1,000 W x 3,600 s (SI).
JOULES_PER_KWH = 3.6e6
