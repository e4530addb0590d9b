// A test reporter that adds one line at the end of `npm test` when tests were skipped, with their
// reasons (a missing system tool: libdmlc, chromium, cjpeg...). Under CI these tests fail instead
// of skipping, so a green CI run has run them all. Used beside the spec reporter (package.json).
export default async function* skipSummary(source) {
  const reasons = new Map();
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.skip !== undefined) {
      const reason = typeof event.data.skip === 'string' ? event.data.skip : 'skipped';
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
  }
  if (reasons.size > 0) {
    const count = [...reasons.values()].reduce((a, b) => a + b, 0);
    const why = [...reasons].map(([reason, n]) => `${reason}${n > 1 ? ` (${n} tests)` : ''}`).join('; ');
    yield `\nskipped ${count} test${count > 1 ? 's' : ''} for what this machine lacks: ${why}. Under CI they run or fail; .ci/run installs what they need.\n`;
  }
}
