//! Personal information as the law (PIPL Art. 13, 14, 17) and people expect: the notice an org
//! shows before collecting a name or phone, and the consent recorded with each member
//! (docs/privacy.md).

pub mod notice;
