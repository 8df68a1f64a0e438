const assert = require('node:assert');
const pool = require('../lib/pool');
const prices = require('../lib/prices');

describe('Pricing', () => {
  it('price lookup opens a connection', () => {
    pool.acquire();
  });

  it('an apple costs three', () => {
    assert.strictEqual(prices.lookup('apple'), 3);
  });

  it('a pear costs two', () => {
    assert.strictEqual(prices.lookup('pear'), 2);
  });
});
