"""Staff pages in the site: import identifiers, watch PubMed jobs live, browse the change log."""
