RSpec.describe Shop::Settings, ".currency" do
  it "can be switched to euros" do
    Shop::Settings.currency = "EUR"
    expect(Shop::Settings.currency).to eq("EUR")
  end
end

RSpec.describe Shop, "price cache" do
  it "can be warmed with the supplier's prices" do
    Shop::PRICE_CACHE[:apple] = 5
    expect(Shop.price(:apple)).to eq(5)
  end
end

RSpec.describe "the banner" do
  context "when nobody customised it" do
    it "says welcome" do
      expect($banner).to eq("Welcome")
    end
  end
end

RSpec.describe Shop::Settings, "defaults" do
  it "knows the pool size" do
    expect(Shop::Connections::POOL_SIZE).to eq(2)
  end
end
