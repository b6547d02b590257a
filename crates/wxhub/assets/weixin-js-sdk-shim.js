// weixin-js-sdk (npm, vendored as assets/weixin-js-sdk.js with its LICENSE) is WeChat's
// jweixin-1.6.0 packaged as a CommonJS module: it assigns `module.exports`. Loaded as a plain
// script after this one, it leaves the `wx` object in window.module.exports, where h5.js
// takes it from.
window.module = { exports: {} };
