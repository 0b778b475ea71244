DROP TABLE newsletter_issues;
