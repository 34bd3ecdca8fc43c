//! Keyboard shortcuts: one table, read each frame and listed in Help.

use egui::{Key, KeyboardShortcut, Modifiers};

use super::command::Command;

/// One shortcut.
pub struct Shortcut {
    /// The keys.
    pub keys: KeyboardShortcut,
    /// What it does, for Help.
    pub what: &'static str,
    /// The command it gives.
    pub command: Command,
    /// Whether it also acts while a text field has focus.
    pub global: bool,
}

const fn ks(modifiers: Modifiers, key: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(modifiers, key)
}

/// Every shortcut. More specific ones (with Shift) come before the plain
/// ones they extend, because they are checked in order.
pub fn table() -> Vec<Shortcut> {
    use Command as C;
    let cmd = Modifiers::COMMAND;
    let cmd_shift = Modifiers::COMMAND.plus(Modifiers::SHIFT);
    let none = Modifiers::NONE;
    let s = |keys, what, command, global| Shortcut {
        keys,
        what,
        command,
        global,
    };
    vec![
        s(ks(cmd, Key::N), "new project", C::New, true),
        s(ks(cmd, Key::O), "open a project", C::OpenDialog, true),
        s(ks(cmd_shift, Key::S), "save as", C::SaveAsDialog, true),
        s(ks(cmd, Key::S), "save", C::Save, true),
        s(ks(cmd, Key::Q), "quit", C::Quit, true),
        s(ks(cmd_shift, Key::Z), "redo", C::Redo, false),
        s(ks(cmd, Key::Z), "undo", C::Undo, false),
        s(ks(cmd, Key::Y), "redo", C::Redo, false),
        s(ks(cmd, Key::A), "select all layers", C::SelectAll, false),
        s(
            ks(cmd, Key::D),
            "duplicate the selection",
            C::Duplicate,
            false,
        ),
        s(
            ks(none, Key::Delete),
            "delete the selection",
            C::Delete,
            false,
        ),
        s(
            ks(none, Key::Backspace),
            "delete the selection",
            C::Delete,
            false,
        ),
        s(ks(cmd, Key::L), "auto-layout", C::AutoLayout, false),
        s(
            ks(none, Key::F),
            "fit the graph into view",
            C::FitView,
            false,
        ),
        s(
            ks(cmd, Key::Enter),
            "train from fresh weights",
            C::Train,
            true,
        ),
        s(ks(Modifiers::SHIFT, Key::F5), "stop", C::Stop, true),
        s(
            ks(none, Key::F5),
            "train from fresh weights",
            C::Train,
            true,
        ),
        s(
            ks(none, Key::Space),
            "pause / resume",
            C::TogglePause,
            false,
        ),
        s(ks(none, Key::F6), "train one batch", C::Step, true),
        s(ks(cmd, Key::T), "light / dark theme", C::ToggleTheme, true),
        s(
            ks(none, Key::F9),
            "classroom mode",
            C::ToggleClassroom,
            true,
        ),
        s(
            ks(none, Key::F8),
            "next layout: build, watch, compare",
            C::NextLayout,
            true,
        ),
        s(ks(none, Key::F1), "help", C::ShowHelp, true),
        s(
            ks(cmd_shift, Key::P),
            "performance readout",
            C::TogglePerformance,
            true,
        ),
    ]
}

/// Copy, cut and paste are not keys in egui but events; listed for Help.
pub const CLIPBOARD: [(&str, &str); 3] = [
    ("Ctrl+C", "copy the selected layers"),
    ("Ctrl+X", "cut the selected layers"),
    ("Ctrl+V", "paste layers"),
];

/// The commands the keyboard gave this frame.
pub fn read(ctx: &egui::Context) -> Vec<Command> {
    let typing = ctx.egui_wants_keyboard_input();
    let mut out = Vec::new();
    ctx.input_mut(|i| {
        for s in table() {
            if (s.global || !typing) && i.consume_shortcut(&s.keys) {
                out.push(s.command);
            }
        }
        if !typing {
            for e in &i.events {
                match e {
                    egui::Event::Copy => out.push(Command::Copy),
                    egui::Event::Cut => out.push(Command::Cut),
                    egui::Event::Paste(text) => out.push(Command::Paste(Some(text.clone()))),
                    _ => {}
                }
            }
        }
    });
    out
}

/// "Ctrl+Shift+S" for a shortcut.
pub fn describe(ctx: &egui::Context, s: &KeyboardShortcut) -> String {
    ctx.format_shortcut(s)
}
