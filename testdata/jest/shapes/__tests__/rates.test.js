// Titles as real projects write them: two tests whose titles differ only in case (the
// capitalised one leaves a rate behind: it is the polluter), a title written twice, table rows
// and a loop under one title, a trailing space, nested blocks, and a hostile title.
const tax = require('../src/tax');

describe('rates', () => {
  test('Applies the rate', () => {
    tax.setRate(0.2);
    expect(tax.apply(10)).toBe(12);
  });

  test('applies the rate', () => {
    expect(tax.apply(0)).toBe(0);
  });

  test('totals without tax', () => {
    expect(tax.apply(10)).toBe(10);
  });

  test('rounds to cents', () => {
    expect(Math.round(1.005 * 100) / 100).toBe(1);
  });

  test('rounds to cents', () => {
    expect(Math.round(2.5)).toBe(3);
  });

  test.each([[1], [2]])('doubles an amount', (amount) => {
    expect(amount * 2).toBe(amount + amount);
  });

  for (const amount of [3, 4]) {
    test('halves an amount', () => {
      expect(amount / 2).toBe(amount * 0.5);
    });
  }

  test('keeps a trailing space ', () => {
    expect(true).toBe(true);
  });

  describe('when exempt', () => {
    describe('abroad', () => {
      test("it's \"quoted\" $(touch bleed-pwned)", () => {
        expect(true).toBe(true);
      });
    });
  });
});
