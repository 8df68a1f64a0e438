//! The polluter → victim graph, laid out here and drawn as an inline SVG. Layered: tests that
//! are only culprits on the left, victims on the right (a victim that is also another's culprit
//! sits in a column between), each layer ordered by the barycentre of its neighbours so that
//! edges cross little. Every test is one node, however many roles it has. Text is monospace so
//! that its width, and so each box's, is known without a browser.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Esc, Id, split_id, victim_anchor};
use crate::classify::Kind;
use crate::report::view::{Interference, Source, View};

const NAME_FONT: f64 = 12.0;
const FILE_FONT: f64 = 10.5;
/// The advance of a monospace character, in ems (DejaVu Sans Mono and Menlo: 0.602).
const CHAR_EM: f64 = 0.61;
const NAME_CHARS: usize = 44;
const FILE_CHARS: usize = 52;
const PAD: f64 = 10.0;
const NODE_HEIGHT: f64 = 40.0;
const ROW: f64 = 52.0;
const COLUMN_GAP: f64 = 150.0;
const MARGIN: f64 = 8.0;
const HEADING: f64 = 26.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Polluter,
    Cleaner,
    Setter,
}

impl Role {
    fn class(self) -> &'static str {
        match self {
            Role::Polluter => "polluter",
            Role::Cleaner => "cleaner",
            Role::Setter => "setter",
        }
    }

    /// How the victim relates to it, as a list says it under the victim.
    fn after(self) -> &'static str {
        match self {
            Role::Polluter => "fails after",
            Role::Cleaner => "hidden by",
            Role::Setter => "passes after",
        }
    }

    fn verb(self) -> &'static str {
        match self {
            Role::Polluter => "makes it fail",
            Role::Cleaner => "hides its failure",
            Role::Setter => "makes it pass",
        }
    }
}

#[derive(Debug)]
struct Edge {
    from: usize,
    to: usize,
    role: Role,
    suspected: bool,
}

#[derive(Debug)]
struct Node<'a> {
    id: &'a str,
    /// The victim's place in `view.interference`, for a victim.
    victim: Option<usize>,
    layer: usize,
    x: f64,
    y: f64,
    width: f64,
}

#[derive(Debug)]
struct Layout<'a> {
    nodes: Vec<Node<'a>>,
    edges: Vec<Edge>,
    layers: usize,
    width: f64,
    height: f64,
}

pub fn section(page: &mut String, view: &View) {
    let layout = layout(&view.interference);
    let victims = layout.nodes.iter().filter(|n| n.victim.is_some()).count();
    let _ = writeln!(
        page,
        "<section id=\"graph\" class=\"card\">\n<h2>Polluters → victims</h2>\n\
         <p class=\"note\">Which tests leave behind the state that breaks (or makes) which\
         <span class=\"wide-only\">: culprits on the left, their victims on the right</span>. \
         A victim links to its reproducer.</p>\n<ul class=\"graph-legend\">\
         <li><svg width=\"34\" height=\"10\" aria-hidden=\"true\"><line class=\"edge polluter\" x1=\"1\" y1=\"5\" x2=\"26\" y2=\"5\" marker-end=\"url(#m-polluter)\"/></svg>makes it fail (polluter)</li>\
         <li><svg width=\"34\" height=\"10\" aria-hidden=\"true\"><line class=\"edge cleaner\" x1=\"1\" y1=\"5\" x2=\"26\" y2=\"5\" marker-end=\"url(#m-cleaner)\"/></svg>hides the failure (cleaner)</li>\
         <li><svg width=\"34\" height=\"10\" aria-hidden=\"true\"><line class=\"edge setter\" x1=\"1\" y1=\"5\" x2=\"26\" y2=\"5\" marker-end=\"url(#m-setter)\"/></svg>makes it pass (state-setter)</li>\
         <li><svg width=\"34\" height=\"10\" aria-hidden=\"true\"><line class=\"edge polluter suspected\" x1=\"1\" y1=\"5\" x2=\"26\" y2=\"5\" marker-end=\"url(#m-polluter)\"/></svg>suspected, not bisected yet</li></ul>\n\
"
    );
    let _ = writeln!(
        page,
        "<div class=\"graph-box\"><svg class=\"graph\" viewBox=\"0 0 {w:.0} {h:.0}\" width=\"{w:.0}\" height=\"{h:.0}\" \
         role=\"img\" aria-labelledby=\"graph-title\"><title id=\"graph-title\">{} and {}</title>",
        crate::human::counted(layout.nodes.len() - victims, "culprit", "culprits"),
        crate::human::count(victims, "victim"),
        w = layout.width,
        h = layout.height,
    );
    markers(page);
    headings(page, &layout);
    page.push_str("<g class=\"edges\">");
    for edge in &layout.edges {
        draw_edge(page, &layout, edge);
    }
    page.push_str("</g><g class=\"nodes\">");
    for node in &layout.nodes {
        let kind = node
            .victim
            .and_then(|_| view.test(node.id))
            .and_then(|t| t.kind);
        draw_node(page, node, kind);
    }
    page.push_str("</g></svg></div>\n");
    list(page, &view.interference);
    page.push_str("</section>\n");
}

/// The same edges as a list, for screens too narrow for the drawing: each victim with its
/// culprits, by their short names.
fn list(page: &mut String, interference: &[Interference]) {
    page.push_str("<ul class=\"graph-list\">");
    for (index, pair) in interference.iter().enumerate() {
        let _ = write!(
            page,
            "<li><a href=\"#{}\" title=\"{}\"><code>{}</code></a><ul>",
            victim_anchor(index),
            Esc(&pair.victim),
            Id(split_id(&pair.victim).1),
        );
        let suspected = pair.source == Source::Suspected;
        for (role, tests) in [
            (Role::Polluter, &pair.polluters),
            (Role::Cleaner, &pair.cleaners),
            (Role::Setter, &pair.state_setters),
        ] {
            for test in tests {
                let _ = write!(
                    page,
                    "<li class=\"{}{}\" title=\"{}\"><span>{}</span> <code>{}</code></li>",
                    role.class(),
                    if suspected { " suspected" } else { "" },
                    Esc(test),
                    if suspected { "suspect:" } else { role.after() },
                    Id(split_id(test).1),
                );
            }
        }
        page.push_str("</ul></li>");
    }
    page.push_str("</ul>\n");
}

fn markers(page: &mut String) {
    page.push_str("<defs>");
    for role in ["polluter", "setter"] {
        let _ = write!(
            page,
            "<marker id=\"m-{role}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" \
             markerHeight=\"7\" markerUnits=\"userSpaceOnUse\" orient=\"auto\">\
             <path class=\"tip {role}\" d=\"M0,1L10,5L0,9z\"/></marker>"
        );
    }
    page.push_str(
        "<marker id=\"m-cleaner\" viewBox=\"0 0 10 10\" refX=\"8\" refY=\"5\" markerWidth=\"9\" \
         markerHeight=\"9\" markerUnits=\"userSpaceOnUse\" orient=\"auto\">\
         <path class=\"bar cleaner\" d=\"M8,0V10\"/></marker></defs>",
    );
}

fn headings(page: &mut String, layout: &Layout) {
    let mut lefts: BTreeMap<usize, f64> = BTreeMap::new();
    for node in &layout.nodes {
        let left = lefts.entry(node.layer).or_insert(node.x);
        *left = left.min(node.x);
    }
    for (&layer, &x) in &lefts {
        let label = if layer == 0 {
            "culprits"
        } else if layer + 1 == layout.layers {
            "victims"
        } else {
            "victims that are culprits too"
        };
        let _ = write!(
            page,
            "<text class=\"heading\" x=\"{x:.1}\" y=\"{:.1}\">{label}</text>",
            HEADING - 10.0
        );
    }
}

fn draw_edge(page: &mut String, layout: &Layout, edge: &Edge) {
    let (from, to) = (&layout.nodes[edge.from], &layout.nodes[edge.to]);
    let (x1, y1) = (from.x + from.width, port(layout, edge, false));
    let (x2, y2) = (to.x - 1.0, port(layout, edge, true));
    let bend = ((x2 - x1) / 2.0).abs().max(40.0);
    let suspected = if edge.suspected { " suspected" } else { "" };
    let _ = write!(
        page,
        "<path class=\"edge {role}{suspected}\" d=\"M{x1:.1},{y1:.1}C{:.1},{y1:.1} {:.1},{y2:.1} {x2:.1},{y2:.1}\" \
         marker-end=\"url(#m-{role})\"><title>{} {}{}: {}</title></path>",
        x1 + bend,
        x2 - bend,
        Esc(from.id),
        edge.role.verb(),
        if edge.suspected { " (suspected)" } else { "" },
        Esc(to.id),
        role = edge.role.class(),
    );
}

/// Where an edge meets a node: the edges of one node spread along its side in the order of
/// their other ends, so that they neither cross at the node nor share an arrowhead.
fn port(layout: &Layout, edge: &Edge, incoming: bool) -> f64 {
    let at = if incoming { edge.to } else { edge.from };
    let other = |e: &Edge| if incoming { e.from } else { e.to };
    let mut siblings: Vec<&Edge> = layout
        .edges
        .iter()
        .filter(|e| if incoming { e.to == at } else { e.from == at })
        .collect();
    siblings.sort_by(|a, b| {
        let (ya, yb) = (layout.nodes[other(a)].y, layout.nodes[other(b)].y);
        ya.total_cmp(&yb).then(a.role.cmp(&b.role))
    });
    let place = siblings
        .iter()
        .position(|e| std::ptr::eq(*e, edge))
        .unwrap_or(0);
    let span = NODE_HEIGHT - 16.0;
    layout.nodes[at].y + 8.0 + span * (place + 1) as f64 / (siblings.len() + 1) as f64
}

fn draw_node(page: &mut String, node: &Node, kind: Option<Kind>) {
    let (file, name) = split_id(node.id);
    let class = match (node.victim, kind) {
        (Some(_), Some(kind)) => format!("node victim k-{}", kind.name()),
        (Some(_), None) => "node victim".to_string(),
        (None, _) => "node".to_string(),
    };
    if let Some(index) = node.victim {
        let _ = write!(page, "<a href=\"#{}\">", victim_anchor(index));
    }
    let _ = write!(
        page,
        "<g class=\"{class}\" data-test=\"{id}\"><title>{id}</title>\
         <rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{NODE_HEIGHT:.0}\" rx=\"6\"/>",
        id = Esc(node.id),
        x = node.x,
        y = node.y,
        w = node.width,
    );
    let text_x = node.x + PAD;
    match file {
        Some(file) => {
            let _ = write!(
                page,
                "<text class=\"name\" x=\"{text_x:.1}\" y=\"{:.1}\">{}</text>\
                 <text class=\"file\" x=\"{text_x:.1}\" y=\"{:.1}\">{}</text>",
                node.y + 17.0,
                Esc(&cut_end(name, NAME_CHARS)),
                node.y + 32.0,
                Esc(&cut_start(file, FILE_CHARS)),
            );
        }
        None => {
            let _ = write!(
                page,
                "<text class=\"name\" x=\"{text_x:.1}\" y=\"{:.1}\">{}</text>",
                node.y + 24.0,
                Esc(&cut_end(name, NAME_CHARS)),
            );
        }
    }
    page.push_str("</g>");
    if node.victim.is_some() {
        page.push_str("</a>");
    }
}

fn cut_end(text: &str, room: usize) -> String {
    if text.chars().count() <= room {
        return text.to_string();
    }
    let kept: String = text.chars().take(room - 1).collect();
    format!("{kept}…")
}

fn cut_start(text: &str, room: usize) -> String {
    let length = text.chars().count();
    if length <= room {
        return text.to_string();
    }
    let kept: String = text.chars().skip(length - (room - 1)).collect();
    format!("…{kept}")
}

fn node_width(id: &str) -> f64 {
    let (file, name) = split_id(id);
    let name = name.chars().count().min(NAME_CHARS) as f64 * NAME_FONT * CHAR_EM;
    let file = file.map_or(0, |f| f.chars().count().min(FILE_CHARS)) as f64 * FILE_FONT * CHAR_EM;
    name.max(file) + 2.0 * PAD
}

fn layout(interference: &[Interference]) -> Layout<'_> {
    let mut ids: Vec<&str> = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut intern = |id| {
        *index.entry(id).or_insert_with(|| {
            ids.push(id);
            ids.len() - 1
        })
    };
    // Victims first, so that before any reordering they keep the report's order.
    let victims: Vec<usize> = interference.iter().map(|p| intern(&p.victim)).collect();
    let mut edges = Vec::new();
    for (pair, &to) in interference.iter().zip(&victims) {
        let suspected = pair.source == Source::Suspected;
        for (role, tests) in [
            (Role::Polluter, &pair.polluters),
            (Role::Cleaner, &pair.cleaners),
            (Role::Setter, &pair.state_setters),
        ] {
            for test in tests {
                let from = intern(test);
                if from != to {
                    edges.push(Edge {
                        from,
                        to,
                        role,
                        suspected,
                    });
                }
            }
        }
    }
    let mut victim_of = vec![None; ids.len()];
    for (place, &node) in victims.iter().enumerate() {
        victim_of[node].get_or_insert(place);
    }
    let layer = layers(&victim_of, &edges);
    let columns = order(&layer, &edges);
    place(&ids, &victim_of, &layer, &columns, edges)
}

/// Each test's column: 0 for tests that are only culprits, the last for victims that are no
/// one's culprit, and for a victim that is also a culprit, the longest chain of culprits that
/// leads to it (a cycle is cut where it closes).
fn layers(victim_of: &[Option<usize>], edges: &[Edge]) -> Vec<usize> {
    fn depth(node: usize, edges: &[Edge], state: &mut [u8], depths: &mut [usize]) -> usize {
        match state[node] {
            2 => return depths[node],
            1 => return 0,
            _ => {}
        }
        state[node] = 1;
        let deepest = edges
            .iter()
            .filter(|e| e.to == node)
            .map(|e| depth(e.from, edges, state, depths) + 1)
            .max()
            .unwrap_or(0);
        state[node] = 2;
        depths[node] = deepest;
        deepest
    }
    let count = victim_of.len();
    let (mut state, mut depths) = (vec![0; count], vec![0; count]);
    for node in 0..count {
        depth(node, edges, &mut state, &mut depths);
    }
    let culprit: Vec<bool> = (0..count)
        .map(|n| edges.iter().any(|e| e.from == n))
        .collect();
    let last = (0..count)
        .filter(|&n| victim_of[n].is_some())
        .map(|n| depths[n].max(1))
        .max()
        .unwrap_or(0);
    let last = if culprit.iter().any(|&c| c) { last } else { 0 };
    (0..count)
        .map(|n| match (victim_of[n].is_some(), culprit[n]) {
            (false, _) => 0,
            (true, false) => last,
            (true, true) => depths[n].clamp(1, last),
        })
        .collect()
}

/// The nodes of each column, top to bottom: sweeps that sort each column by the mean place of
/// its neighbours in the column before (or after), the usual barycentre heuristic.
fn order(layer: &[usize], edges: &[Edge]) -> Vec<Vec<usize>> {
    let layers = layer.iter().max().map_or(0, |l| l + 1);
    let mut columns: Vec<Vec<usize>> = vec![Vec::new(); layers];
    for (node, &l) in layer.iter().enumerate() {
        columns[l].push(node);
    }
    let mut place = vec![0.0; layer.len()];
    let settle = |columns: &[Vec<usize>], place: &mut [f64]| {
        for column in columns {
            for (i, &node) in column.iter().enumerate() {
                place[node] = i as f64;
            }
        }
    };
    settle(&columns, &mut place);
    for _ in 0..4 {
        for backwards in [true, false] {
            let sequence: Vec<usize> = if backwards {
                (0..layers.saturating_sub(1)).rev().collect()
            } else {
                (1..layers).collect()
            };
            for l in sequence {
                let key = |node: usize| {
                    let neighbours: Vec<f64> = edges
                        .iter()
                        .filter_map(|e| match backwards {
                            true if e.from == node && layer[e.to] > l => Some(place[e.to]),
                            false if e.to == node && layer[e.from] < l => Some(place[e.from]),
                            _ => None,
                        })
                        .collect();
                    if neighbours.is_empty() {
                        place[node]
                    } else {
                        neighbours.iter().sum::<f64>() / neighbours.len() as f64
                    }
                };
                let mut keyed: Vec<(f64, f64, usize)> =
                    columns[l].iter().map(|&n| (key(n), place[n], n)).collect();
                keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
                columns[l] = keyed.into_iter().map(|(_, _, n)| n).collect();
                settle(&columns, &mut place);
            }
        }
    }
    columns
}

fn place<'a>(
    ids: &[&'a str],
    victim_of: &[Option<usize>],
    layer: &[usize],
    columns: &[Vec<usize>],
    edges: Vec<Edge>,
) -> Layout<'a> {
    let widths: Vec<f64> = columns
        .iter()
        .map(|c| c.iter().map(|&n| node_width(ids[n])).fold(0.0, f64::max))
        .collect();
    let heights: Vec<f64> = columns
        .iter()
        .map(|c| c.len() as f64 * ROW - (ROW - NODE_HEIGHT))
        .collect();
    let tallest = heights.iter().copied().fold(0.0, f64::max);
    let mut nodes: Vec<Node> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| Node {
            id,
            victim: victim_of[n],
            layer: layer[n],
            x: 0.0,
            y: 0.0,
            width: node_width(id),
        })
        .collect();
    let mut x = MARGIN;
    for (l, column) in columns.iter().enumerate() {
        let top = HEADING + (tallest - heights[l]) / 2.0;
        for (row, &n) in column.iter().enumerate() {
            // Culprits align on their right, where their edges leave.
            let ragged = if l == 0 && columns.len() > 1 {
                widths[l] - nodes[n].width
            } else {
                0.0
            };
            nodes[n].x = x + ragged;
            nodes[n].y = top + row as f64 * ROW;
        }
        x += widths[l] + COLUMN_GAP;
    }
    Layout {
        nodes,
        edges,
        layers: columns.len(),
        width: x - COLUMN_GAP + MARGIN,
        height: HEADING + tallest + MARGIN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(victim: &str, polluters: &[&str], cleaners: &[&str], source: Source) -> Interference {
        let own = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect();
        Interference {
            victim: victim.to_string(),
            source,
            verdict: None,
            polluters: own(polluters),
            cleaners: own(cleaners),
            state_setters: vec![],
            reproduce: None,
            alone: None,
            confirmed: None,
            probes: None,
            bisected_at: None,
            bisect: None,
        }
    }

    fn overlap(a: &Node, b: &Node) -> bool {
        a.x < b.x + b.width
            && b.x < a.x + a.width
            && a.y < b.y + NODE_HEIGHT
            && b.y < a.y + NODE_HEIGHT
    }

    #[test]
    fn each_test_is_one_node_and_victims_sit_right_of_their_culprits() {
        let pairs = vec![
            pair("v1", &["p1", "p2"], &["c1"], Source::Bisected),
            pair("v2", &["p2"], &[], Source::Suspected),
            // v3 pollutes v4, so it sits between the culprits and the victims.
            pair("v3", &["p1"], &[], Source::Bisected),
            pair("v4", &["v3"], &[], Source::Bisected),
        ];
        let layout = layout(&pairs);
        let mut ids: Vec<&str> = layout.nodes.iter().map(|n| n.id).collect();
        ids.sort();
        assert_eq!(ids, ["c1", "p1", "p2", "v1", "v2", "v3", "v4"]);
        assert_eq!(layout.edges.len(), 6);
        assert_eq!(layout.layers, 3);
        for edge in &layout.edges {
            let (from, to) = (&layout.nodes[edge.from], &layout.nodes[edge.to]);
            assert!(from.x + from.width < to.x, "{} left of {}", from.id, to.id);
        }
        let layer_of = |id| layout.nodes.iter().find(|n| n.id == id).unwrap().layer;
        assert_eq!(
            [
                layer_of("p1"),
                layer_of("v3"),
                layer_of("v1"),
                layer_of("v4")
            ],
            [0, 1, 2, 2]
        );
        for (i, a) in layout.nodes.iter().enumerate() {
            for b in &layout.nodes[i + 1..] {
                assert!(!overlap(a, b), "{} and {} overlap", a.id, b.id);
            }
            assert!(a.x + a.width <= layout.width && a.y + NODE_HEIGHT <= layout.height);
        }
    }

    #[test]
    fn a_cycle_of_victims_still_gets_a_layout() {
        let pairs = vec![
            pair("a", &["b"], &[], Source::Bisected),
            pair("b", &["a"], &[], Source::Bisected),
        ];
        let layout = layout(&pairs);
        assert_eq!(layout.nodes.len(), 2);
        assert!(layout.width > 0.0 && layout.height > 0.0);
    }

    #[test]
    fn crossing_edges_are_untangled() {
        // In the report's order, a's edge to v3 crosses b's to v2: v3 moves up beside v1.
        let pairs = vec![
            pair("v1", &["a"], &[], Source::Bisected),
            pair("v2", &["b"], &[], Source::Bisected),
            pair("v3", &["a"], &[], Source::Bisected),
        ];
        let layout = layout(&pairs);
        let y = |id| layout.nodes.iter().find(|n| n.id == id).unwrap().y;
        assert!(y("v1") < y("v3") && y("v3") < y("v2"));
        assert!(y("a") < y("b"));
    }

    #[test]
    fn long_labels_keep_the_ends_that_tell_tests_apart() {
        assert_eq!(cut_end("abcdef", 4), "abc…");
        assert_eq!(cut_start("abcdef", 4), "…def");
        assert_eq!(cut_start("abc", 4), "abc");
    }
}
