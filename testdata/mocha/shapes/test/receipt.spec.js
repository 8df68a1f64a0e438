const assert = require('node:assert');
const tax = require('../lib/tax');

describe('Receipt', () => {
  it('totals without tax', () => {
    assert.strictEqual(tax.apply(10), 10);
  });

  it('prints a header', () => {
    assert.ok('RECEIPT'.length > 0);
  });
});
