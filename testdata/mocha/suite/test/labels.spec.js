// The hostile test sits at the top level, outside any describe block: mocha runs such tests
// before every describe block of every file, so replaying it in another place takes bleed's
// arranging of the suite.
const assert = require('node:assert');
const labels = require('../lib/labels');

it("it's \"quoted\" $(touch bleed-pwned)", () => {
  labels.setBanner('Sale!');
});

describe('Labels', () => {
  it('shouts a label', () => {
    assert.strictEqual(labels.shout(' open '), 'OPEN!');
  });
});
