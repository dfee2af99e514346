// `npm run reconcile [-- --repair] [--json]`: recomputes every tenant's balance and held credits
// from the ledger and reports any difference (there must be none); exits 1 when there is one.
// --repair finishes half-done movements (a ledger entry written but not yet on its account, left
// by a process that died between the two writes) first, as the next movement would. Uses
// MONGO_URL (default: the `npm start` database). The same check is callable from code:
// `(await createBilling(conn)).reconcile()`.
import { createBilling } from '@loom/billing';
import { loadEnv } from '@loom/config';
import { connectMongo } from '@loom/store';

async function main(): Promise<void> {
  const env = loadEnv();
  const repair = process.argv.includes('--repair');
  const asJson = process.argv.includes('--json');
  const conn = await connectMongo(env.MONGO_URL);
  try {
    const billing = await createBilling(conn);
    const report = await billing.reconcile({ repair });
    if (asJson) {
      console.log(JSON.stringify(report, null, 2));
    } else {
      console.log(`[loom] reconciled ${report.accounts} account(s) against ${report.entries} ledger entries; ${report.openHolds} hold(s) still open`);
      for (const r of report.repaired) console.log(`  repaired: ${r}`);
      for (const d of report.differences) {
        console.log(`  DIFFERENCE ${d.tenantId}: ${d.problem}${d.expected !== undefined ? ` (ledger says ${JSON.stringify(d.expected)}, found ${JSON.stringify(d.actual)})` : ''}`);
      }
      if (report.settleable.length) console.log(`  ${report.settleable.length} open hold(s) of finished or deleted tasks (the settlement sweep settles them)`);
      console.log(report.clean ? '[loom] clean: every balance equals its ledger.' : `[loom] ${report.differences.length} difference(s).`);
    }
    process.exitCode = report.clean ? 0 : 1;
  } finally {
    await conn.close();
  }
}

main().catch((err) => {
  console.error(`[loom] reconcile failed: ${err instanceof Error ? err.message : err}`);
  process.exit(2);
});
