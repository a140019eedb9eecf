"""Reports: the agency's monthly figures, what keeps records from being reported, and the funder export."""
