RSpec.describe "price lookup" do
  it "opens a connection to the supplier" do
    expect(Shop::Connections.open("price lookup")).to eq("price lookup")
  end
end

RSpec.describe Shop, ".price" do
  it "says an apple costs three" do
    expect(Shop.price(:apple)).to eq(3)
  end
end

RSpec.describe Shop, ".price of unknown items" do
  it "raises" do
    expect { Shop.price(:durian) }.to raise_error(KeyError)
  end
end

RSpec.describe "seasonal prices" do
  it "are not written yet" do
    skip "waiting for the supplier's calendar"
  end
end
