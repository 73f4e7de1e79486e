//! stdin and stdout in the runtime's own event loop, when they are pipes or sockets (the way
//! every host spawns a stdio server).
//!
//! tokio's `stdin()` and `stdout()` do each read and write on a blocking thread and hand the
//! bytes over, which costs every call thread wake-ups both ways; measured, those hand-offs were
//! most of a call's CPU. Here a pipe or socket is registered with the reactor like any socket,
//! so a call's I/O happens on the thread that serves it. A terminal, a file or anything else
//! keeps tokio's handles. The descriptors' status flags are put back when the session ends, so
//! whoever else holds the same pipe (a parent writing to the same stdout) never inherits
//! non-blocking I/O.

use std::pin::Pin;
use tokio::io::{AsyncRead, AsyncWrite};

pub type Input = Pin<Box<dyn AsyncRead + Send>>;
pub type Output = Pin<Box<dyn AsyncWrite + Send>>;

/// stdin for the session, and what to put back when it ends.
pub fn stdin() -> (Input, Option<Restore>) {
    #[cfg(unix)]
    if let Some((input, restore)) = unix::on_reactor(
        std::io::stdin(),
        |fd| Ok(Box::pin(tokio::net::unix::pipe::Receiver::from_owned_fd(fd)?) as Input),
        |socket| Box::pin(socket) as Input,
    ) {
        return (input, Some(restore));
    }
    (Box::pin(tokio::io::stdin()), None)
}

/// stdout for the session, and what to put back when it ends.
pub fn stdout() -> (Output, Option<Restore>) {
    #[cfg(unix)]
    if let Some((output, restore)) = unix::on_reactor(
        std::io::stdout(),
        |fd| Ok(Box::pin(tokio::net::unix::pipe::Sender::from_owned_fd(fd)?) as Output),
        |socket| Box::pin(socket) as Output,
    ) {
        return (output, Some(restore));
    }
    (Box::pin(tokio::io::stdout()), None)
}

/// A descriptor's status flags as they were, set again on drop.
pub struct Restore {
    #[cfg(unix)]
    fd: std::os::fd::RawFd,
    #[cfg(unix)]
    flags: libc::c_int,
}

impl Drop for Restore {
    fn drop(&mut self) {
        // SAFETY: F_SETFL on the process's own stdin or stdout, open for its whole life.
        #[cfg(unix)]
        unsafe {
            libc::fcntl(self.fd, libc::F_SETFL, self.flags);
        }
    }
}

#[cfg(unix)]
mod unix {
    use super::Restore;
    use std::os::fd::{AsFd, AsRawFd, OwnedFd};
    use std::os::unix::fs::FileTypeExt;

    /// A copy of `stream`'s descriptor on the reactor, through `pipe` when it is a pipe or as a
    /// socket (a host's socketpair, as Node spawns children), with its flags as they were; `None`
    /// for anything else, or when it cannot be registered (its flags are then put back).
    pub fn on_reactor<T>(
        stream: impl AsFd,
        pipe: impl FnOnce(OwnedFd) -> std::io::Result<T>,
        socket: impl FnOnce(tokio::net::UnixStream) -> T,
    ) -> Option<(T, Restore)> {
        let fd = stream.as_fd();
        // SAFETY: F_GETFL reads an open descriptor's flags and changes nothing.
        let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
        if flags < 0 {
            return None;
        }
        let file = std::fs::File::from(fd.try_clone_to_owned().ok()?);
        let kind = file.metadata().ok()?.file_type();
        if !kind.is_fifo() && !kind.is_socket() {
            return None;
        }
        let restore = Restore {
            fd: fd.as_raw_fd(),
            flags,
        };
        let registered = if kind.is_fifo() {
            pipe(OwnedFd::from(file)).ok()?
        } else {
            let stream = std::os::unix::net::UnixStream::from(OwnedFd::from(file));
            stream.set_nonblocking(true).ok()?;
            socket(tokio::net::UnixStream::from_std(stream).ok()?)
        };
        Some((registered, restore))
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::unix;
    use std::io::Write;
    use std::os::fd::{AsFd, AsRawFd};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn flags(fd: impl AsFd) -> libc::c_int {
        // SAFETY: F_GETFL reads an open descriptor's flags.
        unsafe { libc::fcntl(fd.as_fd().as_raw_fd(), libc::F_GETFL) }
    }

    #[tokio::test]
    async fn a_pipe_is_read_on_the_reactor_and_its_flags_come_back() {
        let (reader, mut writer) = std::io::pipe().unwrap();
        let before = flags(&reader);
        let (mut input, restore) = unix::on_reactor(&reader, tokio::net::unix::pipe::Receiver::from_owned_fd, |_| {
            panic!("a pipe taken for a socket")
        })
        .expect("a pipe");
        assert_ne!(flags(&reader) & libc::O_NONBLOCK, 0, "non-blocking while served");
        writer.write_all(b"{}\n").unwrap();
        let mut line = [0u8; 3];
        input.read_exact(&mut line).await.unwrap();
        assert_eq!(&line, b"{}\n");
        drop(input);
        drop(restore);
        assert_eq!(flags(&reader), before, "the flags as they were");
    }

    #[tokio::test]
    async fn a_socket_is_written_on_the_reactor() {
        let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
        let before = flags(&ours);
        let (mut output, restore) =
            unix::on_reactor(&ours, |_| panic!("a socket taken for a pipe"), |s| s).expect("a socket");
        output.write_all(b"{}\n").await.unwrap();
        let mut line = [0u8; 3];
        std::io::Read::read_exact(&mut &theirs, &mut line).unwrap();
        assert_eq!(&line, b"{}\n");
        drop(output);
        drop(restore);
        assert_eq!(flags(&ours), before);
    }

    #[test]
    fn a_regular_file_keeps_the_blocking_handles() {
        let file = std::fs::File::open(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
        assert!(unix::on_reactor(&file, |_| Ok(()), |_| ()).is_none());
    }
}
