"""Comment analytics: sentiment and themes of comments and testimonials, and their section."""
