//! A simulator of WeChat's server API with its exact wire format, error codes, token lifetimes
//! and quotas. It is filled in by the `wechat` crate issue.
