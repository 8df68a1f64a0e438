// A polluter and its cleaner: the cached sale price breaks the apple's price unless the cache
// is reloaded in between.
const prices = require('../src/prices');

test('remembers a sale price for apples', () => {
  prices.remember('apple', 1);
  expect(prices.lookup('apple')).toBe(1);
});

test('reloading empties the price cache', () => {
  prices.reload();
  expect(prices.cached()).toBe(0);
});

test('an apple costs three', () => {
  expect(prices.lookup('apple')).toBe(3);
});

test('a pear costs two', () => {
  expect(prices.lookup('pear')).toBe(2);
});
