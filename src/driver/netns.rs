//! The private two-sided network of a live run with a `[link]`: two anonymous network
//! namespaces (the clients' side and the server's side), each with one TUN device and its
//! loopback up, that only this run can see.
//!
//! The namespaces are never bind-mounted nor named: each is held by file descriptors (its own
//! namespace fd, its TUN device, the sockets made inside it) and by the threads inside it, so
//! the kernel removes it, its device and its routes as soon as the process lets go of them —
//! at the end of a run, on an error, or when the process dies, even by SIGKILL. Nothing is ever
//! configured in the namespace the program started in.
//!
//! Switching namespaces is per thread: [`PrivateNet::build`] leaves the calling thread (the
//! run's one event-loop thread) in the client namespace, where the clients' sockets and
//! connections are made; [`PrivateNet::in_server`] steps into the server namespace to bind the
//! server; dropping the [`PrivateNet`] returns the thread to where it was.
//!
//! Root can do all of this directly. Others need a user namespace, which the kernel only grants
//! to a single-threaded process: [`enter_user_namespace`] is called at program start, before
//! any thread, and only for a live run that has a `[link]`.
//!
//! This is the one module of losslab with `unsafe` code: the `ioctl`s that create a TUN device
//! and give an interface its address and flags. Each block says what it relies on.
//!
//! Invariants: every error leaves the thread in the namespace it started in; an error says in
//! one line what the system refused and points to `--sim`.

use crate::tr;
use anyhow::{Context, Result, anyhow, bail};
use nix::errno::Errno;
use nix::sched::{CloneFlags, setns, unshare};
use std::fs::{File, OpenOptions};
use std::io;
use std::net::{Ipv4Addr, UdpSocket};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::sync::atomic::{AtomicBool, Ordering};

/// The server side's address (its TUN device, `losslab-s`).
pub const SERVER_IP: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 1);
/// The client side's address (its TUN device, `losslab-c`).
pub const CLIENT_IP: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 2);
/// Both addresses are in 10.77.0.0/24, the link's subnet.
pub const PREFIX: u8 = 24;
pub const SERVER_TUN: &str = "losslab-s";
pub const CLIENT_TUN: &str = "losslab-c";

/// What ends every error of this module: where to go instead.
/// The way out every refusal ends with.
fn use_sim() -> String {
    tr!("netns-use-sim")
}

/// The thread's current network namespace, as a file descriptor.
fn current_ns() -> io::Result<OwnedFd> {
    Ok(File::open("/proc/thread-self/ns/net")?.into())
}

fn enter(ns: &OwnedFd) -> io::Result<()> {
    setns(ns, CloneFlags::CLONE_NEWNET).map_err(io::Error::from)
}

/// Set once this process has entered a user namespace of its own.
static IN_USER_NS: AtomicBool = AtomicBool::new(false);

/// The cause of a refused network namespace, in words.
fn netns_refusal(e: Errno) -> String {
    if !matches!(e, Errno::EPERM | Errno::EACCES) {
        return tr!("netns-refused", error = e.to_string());
    }
    match (
        IN_USER_NS.load(Ordering::Relaxed),
        nix::unistd::geteuid().is_root(),
    ) {
        // Granted a user namespace without the capabilities to use it: AppArmor's restriction
        // does exactly this.
        (true, _) => ns_refusal(e),
        (false, true) => tr!("netns-refused-root", error = e.to_string()),
        (false, false) => tr!("netns-refused-user", error = e.to_string()),
    }
}

/// The cause of a refused user namespace, in words.
fn ns_refusal(e: Errno) -> String {
    let sysctl = |path: &str| {
        std::fs::read_to_string(path)
            .ok()
            .map(|s| s.trim().to_string())
    };
    match e {
        Errno::EPERM | Errno::EACCES | Errno::ENOSPC | Errno::EINVAL | Errno::EUSERS => {
            if sysctl("/proc/sys/kernel/unprivileged_userns_clone").as_deref() == Some("0") {
                tr!(
                    "userns-disabled",
                    sysctl = "kernel.unprivileged_userns_clone"
                )
            } else if sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").as_deref()
                == Some("1")
            {
                tr!("userns-apparmor")
            } else if sysctl("/proc/sys/user/max_user_namespaces").as_deref() == Some("0") {
                tr!("userns-disabled", sysctl = "user.max_user_namespaces")
            } else {
                tr!("userns-no-permission", error = e.to_string())
            }
        }
        other => tr!("userns-refused", error = other.to_string()),
    }
}

/// Opens `/dev/net/tun` (non-blocking, closed on exec).
fn open_tun_device() -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open("/dev/net/tun")
}

/// Says why `/dev/net/tun` cannot be used, if it cannot.
fn tun_refusal(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => tr!("tun-missing"),
        io::ErrorKind::PermissionDenied => tr!("tun-permission"),
        _ => tr!("tun-open", error = e.to_string()),
    }
}

/// Puts the whole process into a user namespace of its own (mapped to the caller's uid and
/// gid) with a fresh network namespace, so that a user without privileges may create the run's
/// namespaces and TUN devices. Must be called while the process has one thread.
pub fn enter_user_namespace() -> Result<()> {
    let (uid, gid) = (nix::unistd::geteuid(), nix::unistd::getegid());
    // A user namespace does not open a device the user cannot open: say so before anything.
    if let Err(e) = open_tun_device() {
        bail!(tr!(
            "netns-cannot-build",
            why = tun_refusal(&e),
            use_sim = use_sim()
        ));
    }
    unshare(CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNET).map_err(|e| {
        anyhow!(tr!(
            "netns-needs-userns",
            why = ns_refusal(e),
            use_sim = use_sim()
        ))
    })?;
    // The kernel wants `setgroups` denied before an unprivileged process writes a gid map.
    let write = |path: &str, text: String| {
        std::fs::write(path, text).map_err(|e| {
            anyhow!(tr!(
                "netns-write-failed",
                path = path,
                error = e.to_string(),
                use_sim = use_sim()
            ))
        })
    };
    write("/proc/self/setgroups", "deny".into())?;
    write("/proc/self/uid_map", format!("0 {uid} 1"))?;
    write("/proc/self/gid_map", format!("0 {gid} 1"))?;
    IN_USER_NS.store(true, Ordering::Relaxed);
    Ok(())
}

/// True when this process needs [`enter_user_namespace`] before it can build a link.
pub fn needs_user_namespace() -> bool {
    !nix::unistd::geteuid().is_root()
}

/// An `ifreq` naming `name` (shorter than `IFNAMSIZ`), all else zero.
fn ifreq(name: &str) -> libc::ifreq {
    // SAFETY: `ifreq` is plain old data (a name array and a union of integers, sockaddrs and
    // a pointer); all-zero bytes are a valid value of every field.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    debug_assert!(name.len() < libc::IFNAMSIZ);
    for (slot, b) in req.ifr_name.iter_mut().zip(name.bytes()) {
        *slot = b as libc::c_char;
    }
    req
}

/// `ioctl(fd, request, &mut req)`, as an `io::Result`.
fn ioctl(fd: &impl AsRawFd, request: libc::Ioctl, req: &mut libc::ifreq) -> io::Result<()> {
    // SAFETY: every request used here (TUNSETIFF, SIOCSIFADDR, SIOCSIFNETMASK, SIOCGIFFLAGS,
    // SIOCSIFFLAGS) reads and/or writes one `struct ifreq`, and `req` is a valid, exclusively
    // borrowed one that outlives the call.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), request, req as *mut libc::ifreq) };
    match r {
        -1 => Err(io::Error::last_os_error()),
        _ => Ok(()),
    }
}

fn sockaddr_in(ip: Ipv4Addr) -> libc::sockaddr {
    let sin = libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: 0,
        sin_addr: libc::in_addr {
            s_addr: u32::from(ip).to_be(),
        },
        sin_zero: [0; 8],
    };
    // SAFETY: `sockaddr_in` and `sockaddr` have the same size (16 bytes) and the kernel reads
    // the former through the latter, which is how the ioctl interface is defined.
    unsafe { std::mem::transmute::<libc::sockaddr_in, libc::sockaddr>(sin) }
}

/// Sets `IFF_UP` on interface `name` through the control socket `ctl`.
fn set_up(ctl: &UdpSocket, name: &str) -> io::Result<()> {
    let mut req = ifreq(name);
    ioctl(ctl, libc::SIOCGIFFLAGS, &mut req)?;
    // SAFETY: SIOCGIFFLAGS filled the union's `ifru_flags` member.
    let flags = unsafe { req.ifr_ifru.ifru_flags };
    req.ifr_ifru.ifru_flags = flags | (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
    ioctl(ctl, libc::SIOCSIFFLAGS, &mut req)
}

/// Creates TUN device `name` (IP packets without a header) in the thread's namespace, gives it
/// `ip`/[`PREFIX`], brings it and the namespace's loopback up. The device lives as long as the
/// returned file.
fn make_side(name: &str, ip: Ipv4Addr) -> io::Result<File> {
    let tun = open_tun_device()?;
    let mut req = ifreq(name);
    req.ifr_ifru.ifru_flags = (libc::IFF_TUN | libc::IFF_NO_PI) as libc::c_short;
    ioctl(&tun, libc::TUNSETIFF, &mut req)?;
    // The link is an IPv4 link: without IPv6 on the device the kernel sends it no router
    // solicitations or multicast reports that the link would have to swallow. Best effort: a
    // kernel without IPv6 has no such file, and those packets are only counted if they come.
    let _ = std::fs::write(format!("/proc/sys/net/ipv6/conf/{name}/disable_ipv6"), "1");
    // Any AF_INET socket of the namespace carries the interface ioctls.
    let ctl = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))?;
    set_up(&ctl, "lo")?;
    let mut req = ifreq(name);
    req.ifr_ifru.ifru_addr = sockaddr_in(ip);
    ioctl(&ctl, libc::SIOCSIFADDR, &mut req)?;
    let mask = Ipv4Addr::from(u32::MAX << (32 - PREFIX));
    let mut req = ifreq(name);
    req.ifr_ifru.ifru_netmask = sockaddr_in(mask);
    ioctl(&ctl, libc::SIOCSIFNETMASK, &mut req)?;
    set_up(&ctl, name)?;
    Ok(tun)
}

/// The two namespaces of a run and the thread's way home (see the module doc).
pub struct PrivateNet {
    home: OwnedFd,
    server: OwnedFd,
    client: OwnedFd,
    tuns: Option<(File, File)>,
}

impl PrivateNet {
    /// Builds both sides and leaves the calling thread in the client namespace.
    pub fn build() -> Result<PrivateNet> {
        let home = current_ns().context(tr!("netns-read-own"))?;
        let side = |name: &str, ip: Ipv4Addr| -> Result<(OwnedFd, File)> {
            unshare(CloneFlags::CLONE_NEWNET).map_err(|e| {
                anyhow!(tr!(
                    "netns-needs-netns",
                    why = netns_refusal(e),
                    use_sim = use_sim()
                ))
            })?;
            let tun = make_side(name, ip).map_err(|e| match e.raw_os_error() {
                Some(libc::ENOENT | libc::EACCES | libc::ENODEV) => anyhow!(tr!(
                    "netns-cannot-build",
                    why = tun_refusal(&e),
                    use_sim = use_sim()
                )),
                _ => anyhow!(tr!(
                    "netns-tun-setup",
                    name = name,
                    addr = format!("{ip}/{PREFIX}"),
                    error = e.to_string(),
                    use_sim = use_sim()
                )),
            })?;
            let ns = current_ns().context(tr!("netns-read-new"))?;
            Ok((ns, tun))
        };
        let built = side(SERVER_TUN, SERVER_IP).and_then(|server| {
            enter(&home).context(tr!("netns-return-home"))?;
            Ok((server, side(CLIENT_TUN, CLIENT_IP)?))
        });
        match built {
            Ok(((server, server_tun), (client, client_tun))) => Ok(PrivateNet {
                home,
                server,
                client,
                tuns: Some((client_tun, server_tun)),
            }),
            Err(e) => {
                // Back where the thread started; what was made goes with the dropped fds.
                let _ = enter(&home);
                Err(e)
            }
        }
    }

    /// The TUN devices (client side, server side); `None` once taken.
    pub fn take_tuns(&mut self) -> Option<(File, File)> {
        self.tuns.take()
    }

    /// The inode numbers of the (client, server) namespaces, as `/proc/*/ns/net` links name
    /// them (`net:[inode]`): tests look for them after a run to see that nothing holds them.
    pub fn namespace_inodes(&self) -> io::Result<[u64; 2]> {
        use std::os::unix::fs::MetadataExt;
        let ino =
            |fd: &OwnedFd| -> io::Result<u64> { Ok(File::from(fd.try_clone()?).metadata()?.ino()) };
        Ok([ino(&self.client)?, ino(&self.server)?])
    }

    /// Runs `f` in the server namespace (to bind the server's sockets there), then returns to
    /// the client namespace.
    pub fn in_server<T>(&self, f: impl FnOnce() -> T) -> Result<T> {
        enter(&self.server).context(tr!("netns-enter-server"))?;
        let out = f();
        enter(&self.client).context(tr!("netns-return-client"))?;
        Ok(out)
    }
}

impl Drop for PrivateNet {
    fn drop(&mut self) {
        // Cannot fail for a namespace this thread was in a moment ago; if it ever did, the
        // thread would stay in the client namespace, which then lives until the thread ends.
        let _ = enter(&self.home);
    }
}
