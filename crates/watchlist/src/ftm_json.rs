//! Placeholder: being written in this session.

use crate::{Error, Import, Options, SourceFile};

pub(crate) fn parse(file: SourceFile<'_>, _options: Options) -> Result<Import, Error> {
    Err(Error::file(file.name, "this format is not supported yet"))
}
