RSpec.describe Shop::Cart, "#total_label" do
  it "is in dollars" do
    expect(Shop::Cart.new([:pear]).total_label).to eq("$4.00")
  end
end

RSpec.describe Shop::Cart, "#checkout" do
  context "with a free connection" do
    it "gets a connection and pays" do
      expect(Shop::Cart.new([]).checkout).to start_with("paid")
    end
  end
end

RSpec.describe Shop::Cart, "when empty" do
  it "holds nothing" do
    expect(Shop::Cart.new([]).instance_variable_get(:@items)).to be_empty
  end
end
