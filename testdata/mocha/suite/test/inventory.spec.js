const assert = require('node:assert');
const exporters = require('../lib/exporters');
const pool = require('../lib/pool');

describe('Inventory', () => {
  it('stock check opens a connection', () => {
    pool.acquire();
  });

  it('exports as csv', () => {
    assert.strictEqual(exporters.run('csv', [['apple', 3]]), 'apple,3');
  });
});
