//! The window on a projector: classroom mode scales the canvas too (node
//! text, not only menus), body text is at least 24 pixels at 1280×720,
//! tab rows wrap instead of running off the views, and the layouts —
//! switched with one key or the View menu, remembered per project — give
//! the chosen view at least half the window.
//!
//! The harness is a screen of W×H pixels at one pixel per point; egui
//! divides it by the zoom factor, so in classroom mode the window is
//! W/1.5 × H/1.5 points, as on a real screen. Every figure here is turned
//! back into pixels with the context's pixels per point.

use egui::Key;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use neuroglass::ui::NeuroglassApp;
use neuroglass::ui::command::Command;
use neuroglass::ui::layout::{Layout, project_key};
use neuroglass::ui::theme;

type H = Harness<'static, NeuroglassApp>;

/// The bundled spiral example in a window of `px` pixels.
fn window(px: [f32; 2], classroom: bool) -> H {
    let mut app = NeuroglassApp::new(None);
    app.files.native = false;
    app.prompts.recovery = None;
    app.prefs.classroom = classroom;
    let mut h = Harness::builder()
        .with_size(egui::vec2(px[0], px[1]))
        .build_ui_state(|ui, app: &mut NeuroglassApp| app.ui_frame(ui), app);
    // The theme is applied in the first frame and the canvas fits the
    // graph over the next few.
    frames(&mut h, 6);
    h
}

fn frames(h: &mut H, n: usize) {
    for _ in 0..n {
        h.step();
    }
}

/// The screen in points.
fn screen(h: &H) -> egui::Rect {
    h.ctx.content_rect()
}

/// A node's name as drawn on the canvas: its height in pixels, and
/// whether it stays inside the node's box.
fn label_px(h: &H, node: &str) -> (f32, bool) {
    let app = h.state();
    let n = app
        .doc
        .project
        .graph
        .nodes()
        .iter()
        .find(|n| n.name == node)
        .unwrap_or_else(|| panic!("no node {node}"));
    let (_, label) = app
        .canvas
        .label_rects
        .iter()
        .find(|(id, _)| *id == n.id)
        .expect("the node's name was drawn");
    let inside = app
        .canvas
        .node_rect(n.pos)
        .expand(0.5)
        .contains_rect(*label);
    (label.height() * h.ctx.pixels_per_point(), inside)
}

#[test]
fn classroom_mode_draws_the_canvas_text_larger_and_body_text_at_24_px() {
    for px in [[1280.0, 720.0], [1366.0, 768.0], [1920.0, 1080.0]] {
        let mut sizes = Vec::new();
        for classroom in [false, true] {
            let h = window(px, classroom);
            let ppp = h.ctx.pixels_per_point();
            assert!((ppp - theme::zoom(classroom)).abs() < 1e-4, "{ppp}");
            let (name, inside) = label_px(&h, "hidden 1");
            assert!(
                inside,
                "the name stays in its box at {px:?}, classroom {classroom}"
            );
            let body = h
                .ctx
                .global_style()
                .text_styles
                .get(&egui::TextStyle::Body)
                .expect("a body style")
                .size
                * ppp;
            if classroom {
                assert!(body >= 24.0, "body text {body} px at {px:?}");
            }
            sizes.push((name, body));
        }
        let ((name, body), (big_name, big_body)) = (sizes[0], sizes[1]);
        eprintln!(
            "{px:?}: node name {name:.1} px → {big_name:.1} px in classroom mode; body {body:.1} → {big_body:.1}"
        );
        assert!(
            big_name >= name * 1.2,
            "at {px:?} the canvas's text is {big_name} px in classroom mode against {name} px"
        );
        assert!(big_body >= body * 1.5, "{big_body} against {body}");
    }
}

#[test]
fn the_layout_key_gives_the_chosen_view_at_least_half_the_window() {
    for classroom in [false, true] {
        let mut h = window([1280.0, 720.0], classroom);
        assert_eq!(h.state().layout(), Layout::Build);
        let whole = screen(&h).area();
        h.key_press(Key::F8);
        frames(&mut h, 3);
        assert_eq!(h.state().layout(), Layout::Watch);
        let views = h.state().panels.views_rect.expect("the views were drawn");
        assert!(
            views.area() >= 0.5 * whole,
            "Watch gives the view {:.0} % of the window (classroom {classroom})",
            100.0 * views.area() / whole
        );
        // The canvas is still there, beside the view, not under it.
        let canvas = h.state().canvas.area;
        assert!(canvas.is_positive() && canvas.right() <= views.left() + 1.0);
        // Compare: two columns side by side, each a large part of the window.
        h.key_press(Key::F8);
        frames(&mut h, 3);
        assert_eq!(h.state().layout(), Layout::Compare);
        let left = h.state().panels.views_rect.expect("the views were drawn");
        let right = h.state().panels.layout.compare_rect.expect("two columns");
        assert!(left.area() >= 0.5 * whole);
        assert!(right.area() >= 0.2 * whole && right.left() >= canvas.right());
        // Its second column offers the recorded runs, or shows the newest
        // one (there may be some of the spiral in the data folder).
        assert!(
            h.query_by_label_contains("Compare with a recorded run")
                .is_some()
                || h.state().runs.timeline.is_open()
        );
        h.key_press(Key::F8);
        frames(&mut h, 3);
        assert_eq!(h.state().layout(), Layout::Build);
        assert!(h.state().panels.layout.compare_rect.is_none());
    }
}

#[test]
fn the_layout_is_chosen_in_the_view_menu_and_remembered_per_project() {
    let mut h = window([1400.0, 860.0], false);
    h.get_by_label("View").click();
    frames(&mut h, 2);
    h.get_by_label_contains("Layout").click();
    frames(&mut h, 2);
    h.get_by_label("Watch: the view large").click();
    frames(&mut h, 3);
    assert_eq!(h.state().layout(), Layout::Watch);
    let spiral = h.state().doc.project.name.clone();
    assert_eq!(
        h.state().prefs.layout(&project_key(None, &spiral)),
        Layout::Watch
    );
    // Another project opens in its own layout (Build, never set) …
    h.state_mut().apply(Command::OpenBundled("xor.ron"));
    frames(&mut h, 3);
    assert_eq!(h.state().layout(), Layout::Build);
    h.state_mut().apply(Command::SetLayout(Layout::Compare));
    frames(&mut h, 2);
    // … and the spiral comes back in Watch.
    h.state_mut().apply(Command::OpenBundled("spiral.ron"));
    frames(&mut h, 3);
    assert_eq!(h.state().layout(), Layout::Watch);
    h.state_mut().apply(Command::OpenBundled("xor.ron"));
    frames(&mut h, 3);
    assert_eq!(h.state().layout(), Layout::Compare);
}

const TABS: [&str; 8] = [
    "Curves",
    "Boundary",
    "Neurons",
    "Weights",
    "Gradient flow",
    "Confusion",
    "Gallery",
    "Convolution",
];

#[test]
fn every_views_tab_stays_inside_the_views_at_projector_sizes() {
    for px in [[1280.0, 720.0], [1366.0, 768.0], [1920.0, 1080.0]] {
        for classroom in [false, true] {
            for layout in [Layout::Build, Layout::Watch, Layout::Compare] {
                let mut h = window(px, classroom);
                h.state_mut().apply(Command::SetLayout(layout));
                frames(&mut h, 3);
                let views = h.state().panels.views_rect.expect("the views were drawn");
                let window = screen(&h);
                assert!(window.contains_rect(views), "{views:?} in {window:?}");
                for t in TABS {
                    let tab = h
                        .query_all_by_label(t)
                        .find(|n| views.intersects(n.rect()))
                        .unwrap_or_else(|| panic!("no tab {t} ({px:?}, {layout:?})"));
                    assert!(
                        views.expand(0.5).contains_rect(tab.rect()),
                        "tab {t} at {:?} runs out of the views {views:?} ({px:?}, classroom {classroom}, {layout:?})",
                        tab.rect()
                    );
                }
            }
        }
    }
}

/// `--size` and `--layout` are refused with a reason when malformed,
/// before any window opens.
#[test]
fn size_and_layout_flags_are_checked() {
    let exe = env!("CARGO_BIN_EXE_neuroglass");
    for (args, says) in [
        (["--size", "1280"], "WIDTHxHEIGHT"),
        (["--size", "10x10"], "outside"),
        (["--size", "1280xabc"], "WIDTHxHEIGHT"),
        (["--layout", "grid"], "build, watch or compare"),
    ] {
        let out = std::process::Command::new(exe)
            .args(args)
            .env("DISPLAY", "")
            .env("WAYLAND_DISPLAY", "")
            .output()
            .expect("the program runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
