pub mod curate;
pub mod import;
pub mod init;
pub mod serve;
pub mod suggest;
pub mod watch;
pub mod workflows;
