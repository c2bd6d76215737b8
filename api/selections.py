"""Folding a document's selections bottom-up with each named fragment folded once per context:
what the depth and alias limits and the cost budget measure, in time linear in the document
(a fragment spread twice in each of twenty nested fragments is a million fields when
expanded: walking it naively, as strawberry's limiters do, takes exponential time)."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)

T = TypeVar("T")
C = TypeVar("C", bound=Hashable)


class TooDeep(Exception):
    """Nesting far past any limit: folding stops there."""


class SelectionFold(Generic[T, C]):
    """A value per selection set, built from its fields' values (`field`) joined by `merge`;
    a field's children are folded in the context `inner_context` gives. Subclasses say what
    is measured; introspection fields (`__schema`, `__typename`...) are leaves."""

    def __init__(self, document: DocumentNode, schema: GraphQLSchema | None, max_level: int):
        self.fragments = {d.name.value: d for d in document.definitions
                          if isinstance(d, FragmentDefinitionNode)}
        self.schema = schema
        self.max_level = max_level
        self.memo: dict[tuple[str, C], T] = {}
        self.open: set[tuple[str, C]] = set()

    # -- what is measured ----------------------------------------------------------------

    def empty(self) -> T:
        """The value of an empty selection set."""
        raise NotImplementedError

    def merge(self, a: T, b: T) -> T:
        """The value of two sibling selections together."""
        raise NotImplementedError

    def field(self, node: FieldNode, definition: GraphQLField | None, context: C,
              inner: T | None) -> T:
        """The value of a field whose children fold to `inner` (None for a leaf)."""
        raise NotImplementedError

    def inner_context(self, node: FieldNode, definition: GraphQLField | None, context: C) -> C:
        """The context a field's children are folded in (by default the field's own)."""
        return context

    # -- the walk ------------------------------------------------------------------------

    def operation(self, definition: OperationDefinitionNode, context: C) -> T:
        """The value of an operation's selections; TooDeep past `max_level` nestings."""
        root = (self.schema.get_root_type(definition.operation)
                if self.schema is not None else None)
        return self.of(definition.selection_set, root, context)

    def of(self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None,
           context: C, level: int = 0) -> T:
        """The value of a selection set under a parent type (None when unknown)."""
        value = self.empty()
        if selection_set is None:
            return value
        if level > self.max_level:
            raise TooDeep
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                value = self.merge(value, self._field(selection, parent, context, level))
            elif isinstance(selection, InlineFragmentNode):
                condition = (self._type(selection.type_condition.name.value)
                             if selection.type_condition is not None else parent)
                value = self.merge(value, self.of(selection.selection_set, condition, context,
                                                  level + 1))
            elif isinstance(selection, FragmentSpreadNode):
                value = self.merge(value, self.fragment(selection.name.value, context,
                                                        level + 1))
        return value

    def fragment(self, name: str, context: C, level: int) -> T:
        """The value of a named fragment, folded once per context; cycles and unknown
        fragments are empty (validation refuses them)."""
        key = (name, context)
        if key in self.memo:
            return self.memo[key]
        definition = self.fragments.get(name)
        if definition is None or key in self.open:
            return self.empty()
        self.open.add(key)
        self.memo[key] = self.of(definition.selection_set,
                                 self._type(definition.type_condition.name.value),
                                 context, level)
        self.open.discard(key)
        return self.memo[key]

    def _field(self, node: FieldNode, parent: GraphQLNamedType | None, context: C,
               level: int) -> T:
        definition = None
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            definition = parent.fields.get(node.name.value)
        if node.selection_set is None or node.name.value.startswith("__"):
            return self.field(node, definition, context, None)
        child_type = get_named_type(definition.type) if definition is not None else None
        inner = self.of(node.selection_set, child_type,
                        self.inner_context(node, definition, context), level + 1)
        return self.field(node, definition, context, inner)

    def _type(self, name: str) -> GraphQLNamedType | None:
        return self.schema.get_type(name) if self.schema is not None else None
