// Single polluter: switching the currency is never undone, so the dollar total fails after it.
const money = require('../src/money');

test('switches the display currency to EUR', () => {
  money.setCurrency('EUR');
  expect(money.format(2)).toBe('€2.00');
});

test('formats a total in dollars', () => {
  expect(money.format(3)).toBe('$3.00');
});

test('adds two amounts', () => {
  expect(money.add(1, 2)).toBe(3);
});

test('converts an amount to cents', () => {
  expect(money.cents(1.5)).toBe(150);
});
