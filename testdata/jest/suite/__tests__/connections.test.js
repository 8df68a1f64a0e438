// Two polluters that fail only together: each leaks one of the pool's two connections, and
// checkout needs one more.
const pool = require('../src/pool');

describe('inventory', () => {
  test('stock check opens a connection', () => {
    pool.acquire();
  });

  test('counts the shelves', () => {
    expect([1, 2, 3]).toHaveLength(3);
  });
});

describe('pricing', () => {
  test('price lookup opens a connection', () => {
    pool.acquire();
  });
});

describe('checkout', () => {
  test('gets a connection', () => {
    const connection = pool.acquire();
    connection.release();
  });
});
