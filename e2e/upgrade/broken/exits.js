// A release that migrates the state, then exits on start.
require("/broken/migrate.js");
console.error("fatal: state schema 999 is not supported by this build");
process.exit(1);
