// The sales tax rate, which is process-wide state.
let rate = 0;

module.exports = {
  setRate(value) {
    rate = value;
  },
  apply(amount) {
    return Math.round(amount * (1 + rate) * 100) / 100;
  },
};
