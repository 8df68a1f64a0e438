RSpec.describe "labels" do
  it %q{show a custom banner: it's "quoted" $(touch bleed-pwned)} do
    $banner = %q{it's "quoted" $(touch bleed-pwned)}
    expect($banner).to include("quoted")
  end
end

RSpec.describe "label sizes" do
  it "fit on a shelf" do
    expect("apple".length).to be <= 12
  end
end
