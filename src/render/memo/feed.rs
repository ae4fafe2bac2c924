//! Feeds a value's serde data model straight into a hasher.
//!
//! Hashing a page's variables through serde_json escaped every string of
//! the page's HTML and handed the hasher a few bytes at a time, which made
//! hashing a tenth of a rebuild. Here each string goes in whole, after its
//! length, and each value after a tag naming its kind (a list and a map
//! have different tags), so two values that would print as different JSON
//! never feed the same bytes. A value whose `Serialize` fails cannot be
//! hashed at all: `feed` says so, and the page is rendered every time.

use std::fmt;
use std::hash::Hasher;

use crate::StableHasher;

use serde::Serialize;
use serde::ser;

/// Feeds `value` into `hasher`; false when the value's own `Serialize`
/// failed part-way, so that what was fed does not name the value.
pub fn feed(hasher: &mut StableHasher, value: &(impl Serialize + ?Sized)) -> bool {
    let mut feeder = Feeder { hasher, pending: [0; PENDING], len: 0 };
    let fed = value.serialize(&mut feeder).is_ok();
    feeder.flush();
    fed
}

/// How many bytes of small pieces wait to go into the hasher together.
const PENDING: usize = 256;

/// Feeds the hasher. Tags, lengths and numbers are a few bytes each, and
/// xxh3 pays for every call, so small pieces are gathered and handed over
/// together; the hash is the same as if each went in on its own.
struct Feeder<'h> {
    hasher: &'h mut StableHasher,
    pending: [u8; PENDING],
    len: usize,
}

/// The one error a value's `Serialize` can report through `custom`.
#[derive(Debug)]
struct Unhashable;

impl fmt::Display for Unhashable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("value could not be serialised")
    }
}

impl std::error::Error for Unhashable {}

impl ser::Error for Unhashable {
    fn custom<T: fmt::Display>(_: T) -> Unhashable {
        Unhashable
    }
}

// Tags of the kinds of value.
const NONE: u8 = 0;
const SOME: u8 = 1;
const UNIT: u8 = 2;
const BOOL: u8 = 3;
const INT: u8 = 4;
const FLOAT: u8 = 5;
const TEXT: u8 = 6;
const BYTES: u8 = 7;
const VARIANT: u8 = 8;
const LIST: u8 = 9;
const MAP: u8 = 10;
const CLOSE: u8 = 11;
const BIG: u8 = 12;

impl Feeder<'_> {
    fn put(&mut self, bytes: &[u8]) {
        if self.len + bytes.len() > PENDING {
            self.flush();
            if bytes.len() > PENDING / 2 {
                self.hasher.write(bytes);
                return;
            }
        }
        self.pending[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    fn flush(&mut self) {
        self.hasher.write(&self.pending[..self.len]);
        self.len = 0;
    }

    fn tag(&mut self, tag: u8) {
        self.put(&[tag]);
    }

    fn text(&mut self, text: &[u8]) {
        self.tag(TEXT);
        self.put(&text.len().to_ne_bytes());
        self.put(text);
    }

    fn int(&mut self, value: i128) {
        self.tag(INT);
        self.put(&value.to_ne_bytes());
    }
}

/// Serializer methods for integers that fit an `i128`.
macro_rules! integers {
    ($($method:ident: $type:ty),*) => {$(
        fn $method(self, v: $type) -> Result<(), Unhashable> {
            self.int(v.into());
            Ok(())
        }
    )*};
}

impl<'a, 'h> ser::Serializer for &'a mut Feeder<'h> {
    type Ok = ();
    type Error = Unhashable;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, v: bool) -> Result<(), Unhashable> {
        self.tag(BOOL);
        self.put(&[u8::from(v)]);
        Ok(())
    }
    integers!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64);
    integers!(serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64);
    fn serialize_i128(self, v: i128) -> Result<(), Unhashable> {
        self.int(v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Unhashable> {
        match i128::try_from(v) {
            Ok(v) => self.int(v),
            Err(_) => {
                self.tag(BIG);
                self.put(&v.to_ne_bytes());
            }
        }
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Unhashable> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Unhashable> {
        self.tag(FLOAT);
        self.put(&v.to_bits().to_ne_bytes());
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Unhashable> {
        self.text(v.encode_utf8(&mut [0; 4]).as_bytes());
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Unhashable> {
        self.text(v.as_bytes());
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Unhashable> {
        self.tag(BYTES);
        self.put(&v.len().to_ne_bytes());
        self.put(v);
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Unhashable> {
        self.tag(NONE);
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Unhashable> {
        self.tag(SOME);
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Unhashable> {
        self.tag(UNIT);
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unhashable> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Unhashable> {
        self.tag(VARIANT);
        self.text(variant.as_bytes());
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Unhashable> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Unhashable> {
        self.serialize_unit_variant("", 0, variant)?;
        value.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Unhashable> {
        self.tag(LIST);
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, Unhashable> {
        self.serialize_seq(None)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Unhashable> {
        self.serialize_seq(None)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self, Unhashable> {
        self.serialize_unit_variant("", 0, variant)?;
        self.serialize_seq(None)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, Unhashable> {
        // A struct is a map to a template: both print as a JSON object.
        self.tag(MAP);
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Unhashable> {
        self.serialize_map(None)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self, Unhashable> {
        self.serialize_unit_variant("", 0, variant)?;
        self.serialize_map(None)
    }
}

/// Elements, keys and values all go in as they come; `end` closes.
macro_rules! compound {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for &mut Feeder<'_> {
            type Ok = ();
            type Error = Unhashable;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unhashable> {
                value.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Unhashable> {
                self.tag(CLOSE);
                Ok(())
            }
        }
    )*};
}

compound!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for &mut Feeder<'_> {
    type Ok = ();
    type Error = Unhashable;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unhashable> {
        key.serialize(&mut **self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unhashable> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Unhashable> {
        self.tag(CLOSE);
        Ok(())
    }
}

impl ser::SerializeStruct for &mut Feeder<'_> {
    type Ok = ();
    type Error = Unhashable;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unhashable> {
        self.text(key.as_bytes());
        value.serialize(&mut **self)
    }
    fn skip_field(&mut self, key: &'static str) -> Result<(), Unhashable> {
        self.tag(NONE);
        self.text(key.as_bytes());
        Ok(())
    }
    fn end(self) -> Result<(), Unhashable> {
        self.tag(CLOSE);
        Ok(())
    }
}

impl ser::SerializeStructVariant for &mut Feeder<'_> {
    type Ok = ();
    type Error = Unhashable;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unhashable> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> Result<(), Unhashable> {
        self.tag(CLOSE);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(value: &(impl Serialize + ?Sized)) -> u64 {
        let mut hasher = StableHasher::new();
        assert!(feed(&mut hasher, value));
        hasher.finish()
    }

    #[test]
    fn values_that_print_differently_feed_different_bytes() {
        // Strings that only differ in where one ends and the next begins,
        // or in escapes, a missing value against an empty one.
        assert_ne!(hash(&("ab", "c")), hash(&("a", "bc")));
        assert_ne!(hash(&["a\"b"]), hash(&["a\\\"b"]));
        assert_ne!(hash(&None::<&str>), hash(&Some("")));
        assert_ne!(hash(&vec![vec![1], vec![]]), hash(&vec![vec![], vec![1]]));
        assert_ne!(hash(&1u8), hash(&1.0f64));
        assert_eq!(hash(&("a", 1u32)), hash(&("a", 1u64)), "a number is a number");
        // A list and a map, as free-form `extra:` fields can hold either.
        let list = serde_json::json!(["a", "b"]);
        let map = serde_json::json!({"a": "b"});
        assert_ne!(hash(&list), hash(&map));
        assert_ne!(hash(&serde_json::json!([])), hash(&serde_json::json!({})));
        assert_ne!(hash(&u128::MAX), hash(&-1i128));
    }

    #[test]
    fn a_value_that_fails_to_serialise_is_unhashable() {
        struct Broken;
        impl Serialize for Broken {
            fn serialize<S: ser::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(ser::Error::custom("no"))
            }
        }
        assert!(!feed(&mut StableHasher::new(), &("a", Broken)));
    }
}
