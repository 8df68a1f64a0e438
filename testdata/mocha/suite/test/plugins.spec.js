const assert = require('node:assert');
const exporters = require('../lib/exporters');
const prices = require('../lib/prices');

describe('Plugins', () => {
  it('reload clears the price cache', () => {
    prices.reload();
    assert.strictEqual(prices.lookup('pear'), 2);
  });

  it('register the csv exporter', () => {
    exporters.register('csv', (rows) => rows.map((row) => row.join(',')).join('\n'));
  });
});
