// The sales tax rate: module state, shared by the tests of one file.
let rate = 0;

module.exports = {
  setRate(value) {
    rate = value;
  },
  apply(amount) {
    return Math.round(amount * (1 + rate) * 100) / 100;
  },
};
