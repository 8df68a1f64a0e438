# Shapes of example names found in real suites, for bleed's rspec adapter (see ../PLANTED.md in
# this directory). One order dependency is planted, through $shelf: the polluter and the victim
# both have names a tool could mistake, merge or run as code.
$shelf = []

RSpec.describe "Shelf" do
  # Two examples with the same full description, one differing only in case, one only by a
  # trailing space.
  it("counts its items") { expect($shelf.size).to be >= 0 }
  it("counts its items") { expect($shelf).to be_an(Array) }
  it("Counts its items") { expect($shelf.count).to be >= 0 }
  it("counts its items ") { expect($shelf.length).to be >= 0 }

  describe "when stocked" do
    context %q(with it's "quoted" $(touch bleed-pwned) labels) do
      context "and nested once more" do
        # P: the polluter. Its twin below has the same full description and stays innocent.
        it(%q(puts an item on the shelf: it's "quoted" $(touch bleed-pwned) )) { $shelf << :apple }
        it(%q(puts an item on the shelf: it's "quoted" $(touch bleed-pwned) )) { expect(:pear).to eq(:pear) }
      end
    end
  end

  context "when empty" do
    # V: the victim, whose description has a trailing space and matches its case-twin below
    # but for case.
    it("has nothing on it ") { expect($shelf).to be_empty }
    it("Has nothing on it ") { expect([]).to be_empty }
  end
end

RSpec.describe "Shelf" do
  # A second top-level group with the same description as the first.
  it("counts its items") { expect(1 + 1).to eq(2) }
end
