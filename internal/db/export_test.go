package db

// SplitStatements exposes the migration splitter to the tests.
var SplitStatements = splitStatements
