// Titles as real projects write them: a table of cases under one title (the second case
// leaves a rate behind: it is the polluter), the same title written twice, titles that differ
// only in case, a trailing space, nested blocks, and a hostile title written twice.
const assert = require('node:assert');
const tax = require('../lib/tax');

describe('Rates', () => {
  for (const rate of [0, 0.2]) {
    it('applies a rate', () => {
      tax.setRate(rate);
      assert.strictEqual(tax.apply(10), 10 * (1 + rate));
    });
  }

  it('rounds to cents', () => {
    assert.strictEqual(Math.round(1.005 * 100) / 100, 1);
  });

  it('rounds to cents', () => {
    assert.strictEqual(Math.round(2.5), 3);
  });

  it('Rounds up', () => {
    assert.strictEqual(Math.ceil(1.2), 2);
  });

  it('rounds up', () => {
    assert.strictEqual(Math.ceil(1.7), 2);
  });

  it('keeps a trailing space ', () => {
    assert.ok(true);
  });

  describe('when exempt', () => {
    describe('abroad', () => {
      it("it's \"quoted\" $(touch bleed-pwned)", () => {
        assert.ok(true);
      });

      it("it's \"quoted\" $(touch bleed-pwned)", () => {
        assert.ok(true);
      });
    });
  });
});
