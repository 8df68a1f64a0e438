const assert = require('node:assert');
const money = require('../lib/money');
const pool = require('../lib/pool');

describe('Cart', () => {
  it('total is in dollars', () => {
    assert.strictEqual(money.format(3), '$3.00');
  });

  it('counts its items', () => {
    assert.strictEqual(['apple', 'pear'].length, 2);
  });

  describe('checkout', () => {
    it('gets a connection', () => {
      const connection = pool.acquire();
      connection.release();
    });
  });
});
