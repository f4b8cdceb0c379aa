//! Flags Sortie cannot use are invalid input (exit 2), said before anything is
//! sent: never an error of every step, a silent direct connection, or a
//! timeout that fails every request.

use crate::support::{Project, TestServer};

#[test]
fn unusable_tls_proxy_timeout_and_var_flags_are_invalid_input() {
    let server = TestServer::ok();
    let p = Project::new();
    p.file(
        "c.yaml",
        &format!(
            "base_url: {}\nsteps:\n  - name: one\n    request: {{ url: /one }}\n",
            server.url()
        ),
    );
    p.file("garbage.pem", "not a certificate\n");
    p.file(
        "key.pem",
        "-----BEGIN PRIVATE KEY-----\nbm9wZQ==\n-----END PRIVATE KEY-----\n",
    );
    let cases: [(&[&str], &str); 9] = [
        (
            &["--cacert", "/etc/passwd"],
            "--cacert `/etc/passwd` holds no PEM certificate",
        ),
        (
            &["--cacert", "/dev/zero"],
            "cannot read --cacert `/dev/zero`: it is not a regular file",
        ),
        (
            &["--cert", "garbage.pem", "--key", "key.pem"],
            "--cert `garbage.pem` and --key `key.pem` are not a PEM certificate and its private key",
        ),
        (
            &["--cert", "missing.pem", "--key", "key.pem"],
            "cannot read --cert `missing.pem`: no such file or directory",
        ),
        (
            &["--proxy", "ftp://proxy.example:21"],
            "invalid --proxy `ftp://proxy.example:21`: a `ftp` proxy is not supported",
        ),
        (&["--proxy", "http://"], "invalid --proxy `http://`"),
        (&["--timeout", "0"], "invalid value `0` for --timeout"),
        (&["--timeout", "0ms"], "invalid value `0ms` for --timeout"),
        (&["--var", "=x"], "invalid --var `=x`"),
    ];
    for (flags, message) in cases {
        let mut args = vec!["run", "c.yaml"];
        args.extend_from_slice(flags);
        p.sortie(&args).expect_code(2).stderr_has(message);
    }
    assert_eq!(server.hits(), 0);
    // What stays valid: an empty value, and a proxy written without its scheme (http, as
    // with curl): the step is sent to it, and nothing listens there.
    let port = crate::support::closed_port();
    let proxy = format!("127.0.0.1:{port}");
    p.sortie(&["run", "c.yaml", "--timeout", "5", "--var", "a=", "--proxy", &proxy])
        .expect_code(1)
        .stderr_lacks("invalid");
}
