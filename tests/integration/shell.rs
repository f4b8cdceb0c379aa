//! The shell around Sortie: `--help`, completion scripts for every shell, man pages.

use crate::support::{Project, missing_tool};

/// Every shell `sortie completions` takes: the four the README documents, and elvish.
const SHELLS: [&str; 5] = ["bash", "zsh", "fish", "powershell", "elvish"];

#[test]
fn completions_generate_for_every_shell_and_name_every_command_and_option() {
    let p = Project::new();
    for shell in SHELLS {
        let run = p.sortie(&["completions", shell]);
        run.expect_code(0);
        assert!(run.stderr.is_empty(), "{shell}: {}", run.stderr);
        for word in ["validate", "completions", "junit", "report-tap", "env-file", "shard"] {
            assert!(
                run.stdout.contains(word),
                "{shell} completions lack {word}:\n{}",
                run.stdout
            );
        }
    }
    p.sortie(&["completions", "tcsh"])
        .expect_code(2)
        .stderr_has("possible values: bash, elvish, fish, powershell, zsh");
}

/// The bash script is real bash: loaded into bash, it completes an option and a command.
#[test]
fn bash_completion_completes_options_and_commands() {
    let p = Project::new();
    let script = p.sortie(&["completions", "bash"]).stdout.clone();
    let path = p.file("sortie.bash", &script);
    let complete = |words: &str, current: usize, cur: &str, prev: &str| {
        let program = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD={current}; _sortie sortie {cur} {prev}; echo \"${{COMPREPLY[@]}}\"",
            path.display()
        );
        let out = std::process::Command::new("bash")
            .args(["--norc", "-c", &program])
            .output()
            .expect("bash runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    assert_eq!(
        complete("sortie run --report-j", 2, "--report-j", "run"),
        "--report-json"
    );
    assert_eq!(complete("sortie compl", 1, "compl", "sortie"), "completions");
    assert_eq!(complete("sortie completions z", 2, "z", "completions"), "zsh");
}

#[test]
fn man_pages_generate_for_sortie_and_each_command() {
    let p = Project::new();
    let version = env!("CARGO_PKG_VERSION");
    let main = p.sortie(&["man"]);
    main.expect_code(0);
    assert!(main.stdout.contains(".TH sortie 1"), "{}", main.stdout);
    main.stdout_has(".SH SUBCOMMANDS")
        .stdout_has("completions")
        .stdout_has(version);
    for command in ["run", "validate", "list", "schema", "completions", "man"] {
        let page = p.sortie(&["man", command]);
        page.expect_code(0);
        assert!(
            page.stdout.contains(&format!(".TH sortie-{command} 1")),
            "{}",
            page.stdout
        );
        page.stdout_has(".SH NAME").stdout_has(version);
        groff_accepts(&format!("man {command}"), &page.stdout);
    }
    // The run page has the option groups of `--help`, its examples and exit statuses.
    let run = p.sortie(&["man", "run"]);
    for section in [
        ".SH SELECTION",
        ".SH VARIABLES",
        ".SH REPORTS",
        ".SH HTTP",
        ".SH OUTPUT",
    ] {
        run.stdout_has(section);
    }
    run.stdout_has("report\\-tap").stdout_has("Exit status");
    groff_accepts("man", &main.stdout);
}

/// groff reads the page with every warning on and finds nothing to say.
fn groff_accepts(what: &str, page: &str) {
    let Ok(mut child) = std::process::Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        missing_tool(
            "man_pages_generate_for_sortie_and_each_command",
            "groff is not installed",
            "apt-get install groff-base",
        );
        return;
    };
    std::io::Write::write_all(child.stdin.as_mut().expect("stdin"), page.as_bytes()).expect("groff reads");
    let out = child.wait_with_output().expect("groff ends");
    let warnings = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && warnings.is_empty(), "{what}: groff: {warnings}");
}

#[test]
fn help_groups_the_options_and_ends_with_examples_and_exit_statuses() {
    let p = Project::new();
    let help = p.sortie(&["run", "--help"]);
    help.expect_code(0);
    let at = |text: &str| {
        help.stdout
            .find(text)
            .unwrap_or_else(|| panic!("`{text}` not in:\n{}", help.stdout))
    };
    // Each option under its heading: the heading comes first, the next heading after it.
    let order = [
        "Selection:",
        "--tag <T>",
        "Variables:",
        "--env-file <FILE>",
        "Reports:",
        "--report-tap <FILE>",
        "Running:",
        "--jobs <N>",
        "HTTP:",
        "--proxy <URL>",
        "Output:",
        "--quiet",
        "Examples:",
        "Exit status:",
        "130",
    ];
    for pair in order.windows(2) {
        assert!(
            at(pair[0]) < at(pair[1]),
            "`{}` should come before `{}`",
            pair[0],
            pair[1]
        );
    }
    p.sortie(&["--help"])
        .expect_code(0)
        .stdout_has("completions")
        .stdout_has("Exit status: 0 passed, 1 a step failed or errored, 2 invalid input, 130 interrupted.");
}
