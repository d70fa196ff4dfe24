// The budgets table of docs/security.md, from the edge's budgets table (apps/edge/src/limits).
import {
  budgetEnvName,
  BudgetNames,
  Budgets,
  describeBudget,
  parseBudget,
} from '../../../apps/edge/src/limits/budgets.js';

const counted = { account: 'account', ip: 'client IP', username: 'submitted username' } as const;

export function rateLimitTable(): string {
  const rows = BudgetNames.map((name) => {
    const b = Budgets[name];
    const parsed = parseBudget(b.default);
    if (typeof parsed === 'string') throw new Error(`budget ${name}: ${parsed}`);
    return `| \`${name}\` | ${b.routes} | ${counted[b.key]} | ${describeBudget(parsed)} | \`${budgetEnvName(name)}\` |`;
  });
  return ['| Budget | Spent by | Counted per | Default | Variable |', '| --- | --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
}
