const assert = require('node:assert');
const labels = require('../lib/labels');
const money = require('../lib/money');
const prices = require('../lib/prices');

describe('Settings', () => {
  it('switches the currency to EUR', () => {
    money.setCurrency('EUR');
    assert.strictEqual(money.format(2), '€2.00');
  });

  it('warms the price cache', () => {
    prices.remember('apple', 1);
  });

  it('banner defaults to "Welcome"', () => {
    assert.strictEqual(labels.banner(), 'Welcome');
  });
});
