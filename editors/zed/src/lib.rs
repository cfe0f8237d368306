//! Zed extension for copydesk: starts `copydesk serve` for Markdown and
//! passes the `lsp.copydesk.settings` object from Zed's settings to it, as
//! `initializationOptions` and as the `copydesk` section of
//! `workspace/configuration`. See docs/editors.md.

use zed_extension_api::{self as zed, serde_json, settings::LspSettings, LanguageServerId, Result};

struct Copydesk;

/// The user's `lsp.copydesk` settings for this worktree, if any.
fn lsp_settings(worktree: &zed::Worktree) -> Option<LspSettings> {
    LspSettings::for_worktree("copydesk", worktree).ok()
}

impl zed::Extension for Copydesk {
    fn new() -> Self {
        Copydesk
    }

    fn language_server_command(
        &mut self,
        _id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<zed::Command> {
        let binary = lsp_settings(worktree).and_then(|s| s.binary);
        let configured = binary.as_ref().and_then(|b| b.path.clone());
        let command = match configured.or_else(|| worktree.which("copydesk")) {
            Some(path) => path,
            None => {
                return Err(
                    "copydesk is not on PATH: install it (`cargo install --path .` in the \
                            copydesk repository) or set lsp.copydesk.binary.path in Zed's settings"
                        .into(),
                )
            }
        };
        let args = binary
            .and_then(|b| b.arguments)
            .unwrap_or_else(|| vec!["serve".into()]);
        Ok(zed::Command {
            command,
            args,
            env: Default::default(),
        })
    }

    fn language_server_initialization_options(
        &mut self,
        _id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<Option<serde_json::Value>> {
        Ok(lsp_settings(worktree).and_then(|s| s.settings))
    }

    fn language_server_workspace_configuration(
        &mut self,
        _id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<Option<serde_json::Value>> {
        // Zed answers workspace/configuration by looking the requested
        // section up in this object.
        Ok(lsp_settings(worktree)
            .and_then(|s| s.settings)
            .map(|settings| serde_json::json!({ "copydesk": settings })))
    }
}

zed::register_extension!(Copydesk);
