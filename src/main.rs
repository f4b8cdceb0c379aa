//! The `sortie` binary: parse the command line, run, exit with its status.

// mimalloc: loading and planning a long collection is allocation-heavy, and
// the system allocator spent a quarter of `validate`'s instructions. Its v2
// series, not v3: v3 kept about 1.9 KiB of resident memory per finished step
// of a long run where v2 keeps about 0.6 KiB (bench/run.sh, peak RSS). Without
// transparent huge pages (`no_thp`): where the kernel grants them on request,
// mimalloc's request made a 200-step run resident in 2 MiB pieces, 21 MiB
// instead of 13.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    sortie::cli_main(std::env::args_os().collect())
}
