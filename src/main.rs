//! The `okra` command: parses arguments and hands over to the library.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    no_huge_pages();
    std::process::exit(okra::cli::main());
}

/// Turns transparent huge pages off for this process. mimalloc asks for them
/// on its arenas, and the kernel then zeroes a whole 2 MiB page the first time
/// any byte of it is touched, again after each purge: 10–12 % of the CPU of a
/// 10k-KR build (clear_page in a profile) for memory a build mostly never
/// uses. The same as `MIMALLOC_ALLOW_THP=0`, which mimalloc reads before
/// `main` and cannot be set from here; the prctl applies to every later page
/// fault of the process.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes integer arguments only and changes no
    // memory; a failure (an old kernel) leaves the default behaviour.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
