"""What every page and route shares: rendering, words, errors, translations, security headers, the clock."""
