// What a bad release does before it fails: it "migrates" the state in place (here: drops the device
// pairings from the gateway's SQLite store and leaves a schema marker), so going back to the old image alone
// would run old code on changed state. Only restoring the pre-upgrade state undoes it.
const fs = require("node:fs");
const { DatabaseSync } = require("node:sqlite");
const dir = process.env.OPENCLAW_STATE_DIR || "/home/node/.openclaw";
const db = new DatabaseSync(`${dir}/state/openclaw.sqlite`);
db.exec("DELETE FROM device_pairing_paired");
db.close();
fs.writeFileSync(`${dir}/BROKEN_MIGRATION`, "schema 999\n");
